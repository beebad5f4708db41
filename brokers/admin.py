from django.contrib import admin

from brokers.models import TechnologyManager


@admin.register(TechnologyManager)
class TechnologyManagerAdmin(admin.ModelAdmin):
    list_display = ("certificate_number", "user", "star_level", "certified_on", "valid_until", "capacity", "active")
    list_filter = ("active", "star_level")
    search_fields = ("certificate_number", "user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
