# Apache Superset's settings for the platform's dashboards, read by Superset in its own
# environment (.venv-bi): SUPERSET_CONFIG_PATH points here and GOVHUB_SUPERSET_HOME at the
# instance's folder (bi/superset/serve.py sets both). The folder holds the metadata database
# (SQLite), the secret key and the admin's credentials, none of them in the repository.
import os
from pathlib import Path

_HOME = Path(os.environ["GOVHUB_SUPERSET_HOME"])

SECRET_KEY = (_HOME / "secret_key").read_text(encoding="utf-8").strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME / 'superset.db'}"

# served on loopback only, over plain HTTP
TALISMAN_ENABLED = False
SESSION_COOKIE_SECURE = False
# no network beyond the machine: no analytics pixel, no example data
SCARF_ANALYTICS = False
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {"zh": {"flag": "cn", "name": "简体中文"}, "en": {"flag": "us", "name": "English"}}
ROW_LIMIT = 50000
