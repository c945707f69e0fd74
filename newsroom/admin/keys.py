"""Admin autocomplete widgets and fields that check submitted keys before looking them up.

A tampered POST (`issue=🔥`, or a number beyond the column's range) used to reach the
database as it was: Django's autocomplete widgets look the submitted values up when a form
is shown again with its errors (ValueError), and ModelMultipleChoiceField and the
list_editable rows send them in an IN query (OverflowError on SQLite), and a bulk action
filters by the selected ids as they are (ValueError); a date hierarchy turns a year too
large for a C long into OverflowError. Each was a 500 instead of an error or a message.
"""
from django import forms
from django.contrib import messages
from django.contrib.admin import helpers, widgets
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils.translation import gettext as _


def is_key(field, value, *, using: str = "default") -> bool:
    """Whether `value` can be looked up in `field`: it converts, and fits the column."""
    try:
        python = field.to_python(value)
    except ValidationError:
        return False
    if not isinstance(python, int):
        return True
    low, high = connections[using].ops.integer_field_ranges.get(field.get_internal_type(), (None, None))
    return (low is None or python >= low) and (high is None or python <= high)


def _target_field(remote_field):
    opts = remote_field.model._meta
    return opts.get_field(getattr(remote_field, "field_name", None) or opts.pk.name)


class CheckedAutocompleteMixin:
    def optgroups(self, name, value, attr=None):
        key = _target_field(self.field.remote_field)
        return super().optgroups(name, [v for v in value if is_key(key, v, using=self.db or "default")], attr)


class AutocompleteSelect(CheckedAutocompleteMixin, widgets.AutocompleteSelect):
    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        # An <option> with no text is invalid HTML; Select2 hides this empty choice from its
        # list and shows its own (empty) placeholder instead, so the dash is never seen.
        if value == "" and not label:
            label = "—"
        return super().create_option(name, value, label, selected, index, subindex, attrs)


class AutocompleteSelectMultiple(CheckedAutocompleteMixin, widgets.AutocompleteSelectMultiple):
    pass


class CheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        opts = self.queryset.model._meta
        key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        for v in value:
            if not is_key(key, v, using=self.queryset.db):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": v})
        return super()._check_values(value)


class CheckedKeysAdmin:
    """A ModelAdmin or inline mixin: its relations and list_editable rows check their keys."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", CheckedModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changelist_instance(self, request):
        # Django answers other bad date_hierarchy values with its "invalid filter" page (?e=1).
        try:
            return super().get_changelist_instance(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error

    def _get_list_editable_queryset(self, request, prefix):
        # Django checks the posted row ids with to_python but not against the column's range.
        pks = self._get_edited_object_pks(request, prefix)
        if all(is_key(self.opts.pk, pk) for pk in pks):
            return super()._get_list_editable_queryset(request, prefix)
        return self.get_queryset(request)  # what Django itself does for ids that do not convert

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if all(is_key(self.opts.pk, pk) for pk in selected):
            return super().response_action(request, queryset)
        self.message_user(request, _("所选条目无效，未执行任何操作。"), messages.WARNING)
        return None
