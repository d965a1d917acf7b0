"""The behaviours a server process offers: the model's own, plus the EDA operator commands when
the model has EDA messages (adapters/eda/commands.py: start a process, replay a message).

One place for `meshkit serve`, its schema reloads and `meshkit graphql sdl`, so the API a client
is generated against is the API that is served.
"""

from __future__ import annotations

from pathlib import Path

from meshkit.adapters.eda.commands import eda_behaviours
from meshkit.adapters.eda.processing.config import ProcessingConfig
from meshkit.apps.demo.context import xsd_folder
from meshkit.ck import CompiledModel
from meshkit.runtime.behaviours import BehaviourRegistry

#: The classes the EDA commands are bound to; a model without them gets its own behaviours only.
EDA_CLASSES = ("EnergyCommunity", "EdaMessage")


def server_behaviours(
    model: CompiledModel, *, xsd_dir: Path | None = None
) -> BehaviourRegistry | None:
    """The registry for a server of `model` (None: the model's own, derived by the caller).

    Documents the commands write or replay are validated against the official XSDs in
    `xsd_dir`, else $MESHKIT_EDA_XSD_DIR, else ../shared/eda/xsd beside the checkout; without
    any, they are not validated (as in the demo)."""
    names = {cls.name for cls in model.classes.values()}
    if not set(EDA_CLASSES) <= names:
        return None
    folder = xsd_dir or xsd_folder()
    return eda_behaviours(
        model, config=ProcessingConfig(xsd_dir=folder, validate=folder is not None)
    )
