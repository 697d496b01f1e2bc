from dataclasses import dataclass, field


@dataclass(frozen=True)
class PluginManifest:
    """What a plugin says about itself; set as ``plugin`` on the plugin's AppConfig.

    ``settings`` maps each Django setting the plugin reads to a one-line description,
    shown on the Plugins screen so a site owner knows what can be configured.
    """

    name: str
    version: str
    description: str
    author: str = ""
    settings: dict = field(default_factory=dict)
    active_by_default: bool = True
