from django.contrib import admin

from matchmaker.models import IndexBuild, LexiconSynonym, LexiconTerm, Match


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("need", "outcome", "score", "rank", "status", "source", "updated_at")
    list_filter = ("status", "source")
    search_fields = ("need__title", "outcome__title")
    readonly_fields = ("need", "outcome", "score", "rank", "parts", "explanation", "source", "index_version")


@admin.register(LexiconTerm)
class LexiconTermAdmin(admin.ModelAdmin):
    """Terms added here are used from the next text preparation and index build on."""

    list_display = ("term", "note", "created_by", "updated_at")
    search_fields = ("term", "note")

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(LexiconSynonym)
class LexiconSynonymAdmin(admin.ModelAdmin):
    list_display = ("variant", "canonical", "note", "updated_at")
    search_fields = ("variant", "canonical")

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(IndexBuild)
class IndexBuildAdmin(admin.ModelAdmin):
    list_display = ("kind", "version", "doc_count", "seconds", "lexicon_version", "built_at")
    list_filter = ("kind",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
