from django.contrib import admin

from needs.models import Enterprise, EnterpriseMembership, Need


class EnterpriseMembershipInline(admin.TabularInline):
    model = EnterpriseMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "city", "industry_chain", "credit_code")
    list_filter = ("industry_chain", "city")
    search_fields = ("code", "name", "credit_code")
    inlines = (EnterpriseMembershipInline,)


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "enterprise",
        "industry_chain",
        "city",
        "status",
        "confidential",
        "budget_wan",
        "min_trl",
        "created_at",
    )
    list_filter = ("status", "industry_chain", "confidential", "city")
    search_fields = ("title", "public_title", "description", "normalized_text", "enterprise__name")
    autocomplete_fields = ("enterprise",)
    readonly_fields = ("normalized_text", "tokens", "tokens_lexicon", "text_prepared_at", "created_at", "updated_at")
    date_hierarchy = "created_at"


@admin.register(EnterpriseMembership)
class EnterpriseMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "enterprise", "joined_at")
    search_fields = ("user__username", "enterprise__name", "enterprise__code")
    autocomplete_fields = ("user", "enterprise")
