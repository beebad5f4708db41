from django.contrib import admin

from brokers.models import ConflictOfInterest, TechnologyManager


@admin.register(TechnologyManager)
class TechnologyManagerAdmin(admin.ModelAdmin):
    list_display = ("certificate_number", "user", "star_level", "certified_on", "valid_until", "capacity", "active")
    readonly_fields = ("star_level", "star_computed", "star_components", "star_computed_at")
    list_filter = ("active", "star_level")
    search_fields = ("certificate_number", "user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(admin.ModelAdmin):
    list_display = ("manager", "enterprise", "institution", "declared_at")
    search_fields = ("manager__certificate_number", "enterprise__name", "institution__name")
    autocomplete_fields = ("manager", "enterprise", "institution")
