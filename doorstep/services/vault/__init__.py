"""The once-only vault (一次采集、多次使用): documents and facts with their source, who used
them for what, application forms that ask only for what is missing, and "this is wrong".

The modules: `views` (what is shown), `documents` (the citizen's own vault), `forms` (held or
missing materials, prefill), `facts` (stated by units), `corrections` ("this is wrong").
"""

from doorstep.domain.vault import DocumentInput
from doorstep.services.vault.corrections import (
    CORRECTION_PREFIX,
    flag_fact,
    resolve_correction,
    unit_corrections,
)
from doorstep.services.vault.documents import add_document, clean_documents, my_vault, my_vault_uses
from doorstep.services.vault.facts import FactInput, record_facts
from doorstep.services.vault.forms import FormView, application_form, prefill
from doorstep.services.vault.views import CorrectionView, DocumentView, Source, UseView

__all__ = [
    "CORRECTION_PREFIX",
    "CorrectionView",
    "DocumentInput",
    "DocumentView",
    "FactInput",
    "FormView",
    "Source",
    "UseView",
    "add_document",
    "application_form",
    "clean_documents",
    "flag_fact",
    "my_vault",
    "my_vault_uses",
    "prefill",
    "record_facts",
    "resolve_correction",
    "unit_corrections",
]
