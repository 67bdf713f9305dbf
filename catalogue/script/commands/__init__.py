"""The commands of the language, one module per family of SCRIPT_LANGUAGE.md's table. Each
module registers its commands in catalogue.script.registry when imported; importing this
package imports them all."""

from . import (  # noqa: F401  (imported for their registrations)
    datasets,
    datastore,
    graphics,
    imports,
    labels,
    regression,
    restructure,
    session,
    statistics,
    survival,
    variables,
)
