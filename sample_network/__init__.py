"""Sample dealer network generator: realistic DMS exports in three dialects, with planted
defects and a truth manifest."""

from sample_network.config import GeneratorConfig, config_for
from sample_network.generate import generate

__all__ = ["GeneratorConfig", "config_for", "generate"]
