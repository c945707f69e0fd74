"""Settings for the newsroom project, read from the environment with safe local defaults."""
import datetime
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def local_secret_key() -> str:
    """A per-checkout random key, so that no known key ever ships with the code."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_flag("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "django_prose_editor",
    "reversion",
    "django_tasks",
    "newsroom.apps.TaskResultsConfig",
    "newsroom.apps.LoginThrottleConfig",
    "newsroom",
    "newsroom.images",
    "zones",
    "articles",
    "newsroom.mailing",
    "newsroom.editions",
    "anymail",
]

MIDDLEWARE = [
    "csp.middleware.CSPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.middleware.RejectUnacceptableCharactersMiddleware",
    # Before sessions: a cached page or a 304 costs one query and skips everything below.
    "newsroom.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that its process_exception sees a view's database error first.
    "newsroom.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL names another database.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# SQLite serves several gunicorn workers and the importer at once. WAL lets readers carry
# on while one connection writes; IMMEDIATE takes the write lock when a transaction begins,
# so writers queue on the busy timeout instead of failing with "database is locked" when a
# read lock cannot be upgraded; synchronous=NORMAL is the documented safe setting for WAL.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": int(os.environ.get("NEWSROOM_SQLITE_TIMEOUT", "60")),
}
# An optional read replica (docs/deploy.md): anonymous readers' GET requests on the public
# site read from it while it has caught up with the primary's content version; everything
# else (writes, transactions, the admin, previews, signed-in users) uses the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # Tests run against one database: the replica alias reads the default test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["newsroom.replica.ReplicaRouter"]
    MIDDLEWARE.append("newsroom.replica.ReplicaMiddleware")
for alias in DATABASES:
    if DATABASES[alias]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES[alias]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES[alias].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))


def media_storage(environ) -> dict:
    """Uploads (covers, reporters' photos) on S3-compatible object storage when a bucket is named.

    Several app servers then share one copy of the media and keep none themselves. The
    files are public, so their URLs carry no signature; a CDN or the bucket's website
    domain goes in NEWSROOM_S3_CUSTOM_DOMAIN. Without keys boto3 looks for its own (an
    instance role, AWS_ACCESS_KEY_ID).
    """
    if not environ.get("NEWSROOM_S3_BUCKET"):
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    named = {
        "bucket_name": "NEWSROOM_S3_BUCKET",
        "endpoint_url": "NEWSROOM_S3_ENDPOINT_URL",
        "access_key": "NEWSROOM_S3_ACCESS_KEY_ID",
        "secret_key": "NEWSROOM_S3_SECRET_ACCESS_KEY",
        "region_name": "NEWSROOM_S3_REGION",
        "custom_domain": "NEWSROOM_S3_CUSTOM_DOMAIN",
    }
    # An empty variable (a blank line in an EnvironmentFile) means unset, not "".
    options = {option: environ[name] for option, name in named.items() if environ.get(name)}
    options |= {
        "location": environ.get("NEWSROOM_S3_PREFIX", "media"),
        "querystring_auth": False,
        # An upload never replaces another file under the same name, so URLs stay stable.
        "file_overwrite": False,
        "object_parameters": {"CacheControl": "public, max-age=86400"},
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {
        # Hashed, compressed (gzip and brotli) copies made by collectstatic, which `make run`
        # and `make serve` run first; whitenoise serves hashed names for ten years,
        # immutable. The test suite swaps in the plain storage (tests/conftest.py).
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# The cache (public pages, see newsroom/page_cache.py): Redis when REDIS_URL is set, shared
# by every app server; otherwise memory in each worker process. The key prefix keeps the
# project's keys apart in a Redis that serves others too. The short socket timeouts bound
# what a Redis outage costs a request: it is then rendered as if the cache had missed.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # A page is tens of kilobytes: 1,000 of them stay well under 100 MB a worker.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
            "KEY_PREFIX": "newsroom",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        }
    }
# Off keeps no page (validators and 304s stay): for measuring the uncached path.
NEWSROOM_PAGE_CACHE = env_flag("NEWSROOM_PAGE_CACHE", default=True)
# Names the deployed code in ETags and cache keys; unset, a hash of the code, templates and
# static files (the same on every app server running the same code).
NEWSROOM_RELEASE = os.environ.get("NEWSROOM_RELEASE", "")
# Cache-Control of public pages. Browsers revalidate every time (0): the answer is a 304 or
# a cached page, and an edit shows on the reader's next request. A CDN or nginx in front may
# keep a page 5 s and then serve it stale up to 30 s more while it fetches the new one, so
# a spike reaches the app servers about once per page every few seconds.
NEWSROOM_PAGE_MAX_AGE = int(os.environ.get("NEWSROOM_PAGE_MAX_AGE", "0"))
NEWSROOM_PAGE_SHARED_MAX_AGE = int(os.environ.get("NEWSROOM_PAGE_SHARED_MAX_AGE", "5"))
NEWSROOM_PAGE_STALE = int(os.environ.get("NEWSROOM_PAGE_STALE", "30"))
# How long a page stays in the cache. Pages of older versions are never asked for again;
# this lets Redis drop them (the memory cache also drops the least recently used).
NEWSROOM_PAGE_CACHE_TIMEOUT = int(os.environ.get("NEWSROOM_PAGE_CACHE_TIMEOUT", "3600"))

# Images are validated and bounded on upload (decompression bombs, huge files).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Larger uploads spool to disk inside the project folder, never to the system's /tmp.
FILE_UPLOAD_TEMP_DIR = BASE_DIR / "var" / "tmp"
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)

# Background tasks (newsroom/tasks.py): stored in the database and run by `manage.py db_worker`,
# which `make run` starts beside gunicorn. NEWSROOM_TASKS_IMMEDIATE=1 runs them inside the
# request instead, for a setup without a worker (slower requests, nothing queued).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if env_flag("NEWSROOM_TASKS_IMMEDIATE") else "django_tasks_db.DatabaseBackend",
    },
}

# Email (newsroom/mailing): SMTP configured from the environment by default, which suits
# Aliyun (smtpdm.aliyun.com:465 with NEWSROOM_EMAIL_USE_SSL=1) and Tencent 企业邮
# (smtp.exmail.qq.com:465, SSL) alike; NEWSROOM_EMAIL_BACKEND picks another backend, e.g.
# one of django-anymail's for a provider's API. Emails are built on the worker, away from
# any request, so their links start with NEWSROOM_SITE_URL.
# The default is Django's SMTP backend plus the point of no return that makes a resumed
# send exactly-once (newsroom/mailing/smtp.py).
EMAIL_BACKEND = os.environ.get("NEWSROOM_EMAIL_BACKEND", "newsroom.mailing.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("NEWSROOM_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("NEWSROOM_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("NEWSROOM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("NEWSROOM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_flag("NEWSROOM_EMAIL_USE_TLS")
EMAIL_USE_SSL = env_flag("NEWSROOM_EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("NEWSROOM_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("NEWSROOM_MAIL_FROM", "newsletter@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
NEWSROOM_SITE_URL = os.environ.get("NEWSROOM_SITE_URL", "http://127.0.0.1:8000")
# A mailbox added to List-Unsubscribe for clients that only offer mailto; nothing here
# reads it, so someone must unsubscribe its senders by hand (README, Email).
NEWSROOM_UNSUBSCRIBE_MAILTO = os.environ.get("NEWSROOM_UNSUBSCRIBE_MAILTO", "")
# How many messages one batch sends over one connection, between two progress records.
NEWSROOM_MAIL_BATCH = int(os.environ.get("NEWSROOM_MAIL_BATCH", "100"))
# How many SMTP connections one send uses at once (threads of the worker sharing the
# deliveries): a message mostly waits for the mail server, so two send about twice as many
# a second (bench/mail.py). Check the provider's limit on concurrent connections.
NEWSROOM_MAIL_CONNECTIONS = int(os.environ.get("NEWSROOM_MAIL_CONNECTIONS", "2"))
# django-anymail, for a provider's API (NEWSROOM_EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend):
# its settings as JSON in NEWSROOM_ANYMAIL, e.g. {"POSTMARK_SERVER_TOKEN": "…"}. The provider
# reports bounces and complaints to /anymail/<esp>/tracking/ (newsroom/mailing/bounces.py),
# with ANYMAIL_WEBHOOK_SECRET ("user:password"; or WEBHOOK_SECRET in the JSON) as HTTP basic
# auth. Without a secret the webhooks refuse every report: anymail would otherwise accept
# anyone's (it only warns), and a forged bounce stops a reader's mail.
ANYMAIL = json.loads(os.environ.get("NEWSROOM_ANYMAIL") or "{}")
ANYMAIL["WEBHOOK_SECRET"] = (
    os.environ.get("ANYMAIL_WEBHOOK_SECRET") or ANYMAIL.get("WEBHOOK_SECRET") or secrets.token_urlsafe(32)
)
# The hour (local time, TIME_ZONE) after which the day's zone and topic digest goes out.
NEWSROOM_DIGEST_HOUR = int(os.environ.get("NEWSROOM_DIGEST_HOUR", "8"))

# The WeChat Official Account (公众号) whose 草稿箱 the 公众号版 page pushes to
# (newsroom/editions/wechat_push.py): both set turns 推送到草稿箱 on. The account's 开发 →
# 基本配置 shows them, and its IP whitelist must name the worker's address.
NEWSROOM_WECHAT_APPID = os.environ.get("NEWSROOM_WECHAT_APPID", "")
NEWSROOM_WECHAT_SECRET = os.environ.get("NEWSROOM_WECHAT_SECRET", "")
NEWSROOM_WECHAT_API_URL = os.environ.get("NEWSROOM_WECHAT_API_URL", "https://api.weixin.qq.com").rstrip("/")
NEWSROOM_WECHAT_TIMEOUT = float(os.environ.get("NEWSROOM_WECHAT_TIMEOUT", "10"))

# The largest issue text file the importer accepts; a real issue is tens of kilobytes.
IMPORT_MAX_BYTES = int(os.environ.get("NEWSROOM_IMPORT_MAX_BYTES", 5 * 1024 * 1024))

TAGGIT_CASE_INSENSITIVE = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (django-csp; its middleware comes first so that
# responses made by other middleware carry it too). No inline script, style or event handler
# is allowed: our CSS and JS, the admin's and the editor's are files under /static/. NONCE
# only reaches the header of a response that used request.csp_nonce, which only the article
# form does, for the editor's import map; the same form admits Tiptap's own stylesheet by
# hash (newsroom/admin/articles.py). data: images are the baseline the issue asked for; nothing we
# ship needs them today.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Admin sign-in throttling (django-axes): five wrong passwords for one username from one
# address lock that pair for 15 minutes; others on the same address, and the same user
# elsewhere, can still sign in. An editor can unlock early (后台 → 登录保护).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsroom.login_throttle.lockout_response"
AXES_ENABLE_ADMIN = False  # newsroom.admin registers a Chinese admin with an unlock action
# The subscribe form (newsroom/site/subscribe.py), as (requests, seconds): posts from one
# client address, and confirmation mails to one address typed, so that nobody floods a
# mailbox through it. Counted in the cache: per worker process without REDIS_URL.
NEWSROOM_SUBSCRIBE_LIMITS = {
    "client": (int(os.environ.get("NEWSROOM_SUBSCRIBE_PER_HOUR", "20")), 3600),
    "email": (int(os.environ.get("NEWSROOM_CONFIRMATIONS_PER_DAY", "3")), 86400),
}
# Behind NEWSROOM_PROXY_COUNT reverse proxies, each appending the address it was reached
# from to X-Forwarded-For, the client is that many entries from the right; anything to the
# left is what the client sent and is ignored. ipware counts only the proxies listed in the
# header (the nearest one is REMOTE_ADDR), hence the minus one. Without proxies the header
# is ignored entirely, so nobody can pick their address by sending it.
NEWSROOM_PROXY_COUNT = int(os.environ.get("NEWSROOM_PROXY_COUNT", "0"))
if NEWSROOM_PROXY_COUNT > 0:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    AXES_IPWARE_PROXY_COUNT = NEWSROOM_PROXY_COUNT - 1
    IPWARE_STRICT = False  # a longer header means the client sent one; use our entry anyway
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

if not DEBUG and env_flag("DJANGO_HTTPS"):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Backups (`make backup`, `make restore`): one file each, in the project folder by default.
BACKUP_DIR = Path(os.environ.get("NEWSROOM_BACKUP_DIR", BASE_DIR / "backups"))
# The folder of pg_dump, pg_restore and psql when they are not in /usr/lib/postgresql/<version>/bin.
POSTGRES_BIN_DIR = os.environ.get("NEWSROOM_PG_BIN", "")

# 三审: may one person sign two stages of the same article? Only ever when the team in the
# stage groups has fewer people than there are active stages (see articles.review).
NEWSROOM_REVIEW_ALLOW_SAME_SIGNER = env_flag("NEWSROOM_REVIEW_ALLOW_SAME_SIGNER")
# How many of the active stages (in order) a publication needs: unset means all of them,
# 1 or 2 suits a small team, 0 switches review off (e.g. importing an archive of issues
# that were reviewed in print). Stages are also switched on and off in the admin.
NEWSROOM_REVIEW_STAGES = int(os.environ["NEWSROOM_REVIEW_STAGES"]) if os.environ.get("NEWSROOM_REVIEW_STAGES") else None
