"""__source__ connector: its settings (the acceptance suite covers its reads)."""

import pytest

from connectors.__source__.settings import __Source__Settings
from connectors.common.errors import ConfigError


def test_missing_url_fails_naming_the_variable():
    with pytest.raises(ConfigError, match="GOVHUB___SOURCE___URL"):
        __Source__Settings.from_env({"GOVHUB___SOURCE___API_KEY": "k"})


def test_settings_repr_hides_the_key():
    s = __Source__Settings.from_env({"GOVHUB___SOURCE___URL": "http://x", "GOVHUB___SOURCE___API_KEY": "s3cret"})
    assert "s3cret" not in repr(s)
