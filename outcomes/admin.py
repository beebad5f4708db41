from django.contrib import admin

from outcomes.models import Institution, InstitutionMembership, Outcome


class InstitutionMembershipInline(admin.TabularInline):
    model = InstitutionMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "city")
    list_filter = ("kind", "city")
    search_fields = ("code", "name")
    inlines = (InstitutionMembershipInline,)


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "institution",
        "industry_chain",
        "trl",
        "asking_price_wan",
        "status",
        "separately_managed",
        "created_at",
    )
    list_filter = ("status", "industry_chain", "trl", "separately_managed", "service_invention")
    search_fields = ("title", "abstract", "normalized_text", "external_id", "institution__name")
    autocomplete_fields = ("institution",)
    readonly_fields = ("normalized_text", "tokens", "tokens_lexicon", "text_prepared_at", "created_at", "updated_at")
    date_hierarchy = "created_at"


@admin.register(InstitutionMembership)
class InstitutionMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "institution", "joined_at")
    search_fields = ("user__username", "institution__name", "institution__code")
    autocomplete_fields = ("user", "institution")
