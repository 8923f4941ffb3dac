"""The typed model of one environment: what `environments/<env>.yaml` may say.

Every model is strict, frozen and rejects unknown keys, so a typo is an error
at its key path instead of a setting that is silently ignored (the charts'
worst habit). YAML keys are camelCase, like Helm values. Each default lives on
its field and nowhere else.

Cross-field rules raise `FieldRuleError`, a ValueError that names the field it
is about, so the error points at the key the user has to change.

The model is split by part (base value types, shared parts, workloads, platform,
the environment); this package is its one public face, so `model.Agent` and
`from meshc.model import Environment` read the same everywhere.
"""

from meshc.model.base import *  # noqa: F401,F403
from meshc.model.parts import *  # noqa: F401,F403
from meshc.model.workloads import *  # noqa: F401,F403
from meshc.model.platform import *  # noqa: F401,F403
from meshc.model.environment import *  # noqa: F401,F403
