"""The outbox in the admin: every message sent out, each attempt, and a retry for the failed ones."""

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from core.words import counted
from outbox import services
from outbox.models import DeliveryAttempt, Message, MessageStatus, Transport


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["number", "at", "delivered", "status_code", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever sees the outbox sees each message's attempts: they are its history, not a list of their own.
        return request.user.has_perm("outbox.view_message")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "type", "destination", "status", "attempts", "last_status_code", "next_attempt_at",
                    "delivered_at"]
    list_filter = ["status", "transport", "type"]
    search_fields = ["message_id", "destination", "owner"]
    search_help_text = "Message id (webhook-id), destination or owner"
    fields = ["message_id", "transport", "type", "destination", "owner", "status", "attempts", "next_attempt_at",
              "leased_until", "last_status_code", "last_error", "content", "reply", "created_at", "created_by",
              "delivered_at", "attachment_name"]
    readonly_fields = fields
    inlines = [DeliveryAttemptInline]
    actions = ["retry_selected"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("outbox.view_message")

    @admin.display(description="content")
    def content(self, message: Message) -> str:
        # An email's body may carry what only its addressee may read (a gift card's code): the subject will do.
        if message.transport == Transport.EMAIL:
            return f"Subject: {message.payload.get('subject', '')} (the body is not shown here)"
        return json.dumps(message.payload, ensure_ascii=False)

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("outbox.retry_message")

    @admin.action(description="Retry the selected failed messages", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        retried = 0
        for message in queryset.filter(status=MessageStatus.FAILED):
            try:
                services.retry_message(message=message, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{message.message_id}: {error.message}", messages.ERROR)
            else:
                retried += 1
        skipped = queryset.exclude(status=MessageStatus.FAILED).count()
        self.message_user(
            request, f"{counted(retried, 'message')} queued again; {skipped} not failed, left as they are.",
            messages.INFO,
        )
