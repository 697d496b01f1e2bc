"""Settings of the help desk site. Values that differ between installs come from
``config`` (the environment); everything else is fixed here."""

from django.utils.translation import gettext_lazy as _

from . import config
from .config import env, env_bool, env_int, env_list

BASE_DIR = config.BASE_DIR
VAR_DIR = config.var_dir()

SECRET_KEY = config.secret_key(VAR_DIR)
HELPDESK_ENCRYPTION_KEY = config.encryption_key(VAR_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
WAGTAILADMIN_BASE_URL = env("BASE_URL", "http://127.0.0.1:8000")

# Plugins installed with pip announce their Django app through this entry-point group.
PLUGIN_ENTRY_POINT_GROUP = "helpdesk.plugins"
BUNDLED_PLUGINS = ["saved_replies", "woo_bridge"]

INSTALLED_APPS = [
    "helpdesk_site",
    "helpdesk_site.plugins",
    "helpdesk_site.contact",
    "inbox",
    "kb",
    *BUNDLED_PLUGINS,
    *config.entry_point_plugins(PLUGIN_ENTRY_POINT_GROUP),
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "helpdesk_site.plugins.middleware.PluginGateMiddleware",
]

ROOT_URLCONF = "helpdesk_site.urls"
WSGI_APPLICATION = "helpdesk_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {"default": config.database(VAR_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = {"default": config.cache(VAR_DIR)}
TASKS = config.task_backend()

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", "en")
LANGUAGES = WAGTAIL_CONTENT_LANGUAGES = WAGTAILADMIN_PERMITTED_LANGUAGES = [
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("nb", _("Norwegian Bokmål")),
    ("ru", _("Russian")),
    ("th", _("Thai")),
]
WAGTAIL_I18N_ENABLED = True
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "UTC")
LOCALE_PATHS = [BASE_DIR / "site" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", str(VAR_DIR / "media"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

WAGTAIL_SITE_NAME = env("SITE_NAME", "Help desk")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILSEARCH_BACKENDS = {
    # Pages (the knowledge base) in an embedded Whoosh index; other models stay in the database.
    "default": {"BACKEND": "kb.search.whoosh_backend", "PATH": VAR_DIR / "whoosh"},
}
# Tickets are searched in the database (SQLite FTS5 / PostgreSQL full text); inbox.search keeps it current.
WAGTAILSEARCH_BACKENDS["tickets"] = {"BACKEND": "inbox.search_backend", "AUTO_UPDATE": False}

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "helpdesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# Loop protection: at most this many auto-replies to one sender per hour.
HELPDESK_AUTO_REPLY_LIMIT_PER_HOUR = env_int("HELPDESK_AUTO_REPLY_LIMIT_PER_HOUR", 3)
# A customer's reply to a ticket closed more than this many days ago opens a new ticket (unset: always reopen).
HELPDESK_REOPEN_WITHIN_DAYS = env_int("HELPDESK_REOPEN_WITHIN_DAYS", None)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
if env_bool("HTTPS", False):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # urllib3 logs request URLs at DEBUG, and some APIs put keys in them.
    # django_tasks logs every task's start and end at INFO (a page publish queues several):
    # failures still show at WARNING and above.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "urllib3": {"level": "INFO"},
        "django_tasks": {"level": "WARNING"},
        "tnefparse": {"level": "WARNING"},
    },
}
