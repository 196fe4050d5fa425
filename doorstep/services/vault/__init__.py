"""The once-only vault (一次采集、多次使用): documents and facts with their source, who used
them for what, application forms that ask only for what is missing, and "this is wrong".

The modules: `views` (what is shown), `documents` (the citizen's own vault), `forms` (held or
missing materials, prefill), `facts` (stated by units), `corrections` ("this is wrong").
"""

from doorstep.domain.vault import DocumentInput
from doorstep.services.vault.corrections import (
    CORRECTION_PREFIX,
    flag_fact,
    parse_correction_number,
    resolve_correction,
    unit_corrections,
)
from doorstep.services.vault.documents import (
    DOCUMENT_PURPOSE,
    add_document,
    clean_documents,
    my_vault,
    my_vault_uses,
    store_documents,
)
from doorstep.services.vault.facts import FactInput, RecordResult, as_of_midnight, record_facts
from doorstep.services.vault.forms import (
    FormView,
    MaterialState,
    Prefill,
    application_form,
    prefill,
)
from doorstep.services.vault.views import (
    CorrectionView,
    DocumentView,
    FactView,
    Source,
    UseView,
    VaultView,
    today_local,
)

__all__ = [
    "CORRECTION_PREFIX",
    "DOCUMENT_PURPOSE",
    "CorrectionView",
    "DocumentInput",
    "DocumentView",
    "FactInput",
    "FactView",
    "FormView",
    "MaterialState",
    "Prefill",
    "RecordResult",
    "Source",
    "UseView",
    "VaultView",
    "add_document",
    "application_form",
    "as_of_midnight",
    "clean_documents",
    "flag_fact",
    "my_vault",
    "my_vault_uses",
    "parse_correction_number",
    "prefill",
    "record_facts",
    "resolve_correction",
    "store_documents",
    "today_local",
    "unit_corrections",
]
