from django.contrib import admin

from matchmaker.models import IndexBuild, LexiconSynonym, LexiconTerm, Match, MatchEvent, MatchQuestion


class ReadOnlyAdminMixin:
    """Rows changed only through the workflow (pages and API), which writes the audit trail."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MatchEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MatchEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "from_status", "to_status", "reason", "note")
    readonly_fields = fields


@admin.register(Match)
class MatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Pairings are changed through the review workflow (pages and API), which writes the audit trail."""

    list_display = ("need", "outcome", "score", "rank", "status", "assigned_to", "source", "updated_at")
    list_filter = ("status", "source", "reject_reason")
    search_fields = ("need__title", "outcome__title")
    inlines = (MatchEventInline,)


@admin.register(MatchEvent)
class MatchEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail: readable, never editable or deletable."""

    list_display = ("at", "match", "kind", "actor", "from_status", "to_status", "reason")
    list_filter = ("kind",)
    search_fields = ("match__need__title", "match__outcome__title", "actor__username", "reason", "note")


@admin.register(MatchQuestion)
class MatchQuestionAdmin(admin.ModelAdmin):
    list_display = ("match", "party", "asked_by", "asked_at", "answered_at")
    list_filter = ("party",)
    search_fields = ("question", "answer")
    readonly_fields = ("match", "party", "question", "asked_by", "answer", "answered_by", "answered_at")


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
class IndexBuildAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "version", "doc_count", "seconds", "lexicon_version", "settings_digest", "built_at")
    list_filter = ("kind",)
