"""The status page's subscription form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opsdesk.incidents.models import Component


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    components = forms.ModelMultipleChoiceField(
        label=_("Parts of the service"), required=False,
        queryset=Component.objects.all(), widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unchecked to hear about every incident."))
