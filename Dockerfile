# One image for web (gunicorn), worker and beat (celery); docker-compose.yml wires them up.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=drm.settings_production \
    PORT=8000

RUN groupadd --system drm && useradd --system --gid drm --home-dir /app --no-create-home drm

WORKDIR /app

# xmlsec1 checks the signatures of SAML assertions (single sign-on, sso/).
RUN apt-get update \
    && apt-get install -y --no-install-recommends xmlsec1 \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# Editable, so that BASE_DIR stays /app (templates/, static/, staticfiles/ live there).
# The build-time key only lets the production settings load for collectstatic; it is not kept.
RUN pip install --no-deps -e . \
    && SECRET_KEY=build-only-collectstatic-key-never-used-at-runtime-0123456789 \
        python manage.py collectstatic --noinput -v 0 \
    && python -m compileall -q drm ingest notifications identity distributors leads goals scoring sso \
    && mkdir -p /app/media && chown drm:drm /app/media

USER drm
EXPOSE 8000

# The health check lives in docker-compose.yml: worker and beat run this image without HTTP.
CMD ["sh", "-c", "exec gunicorn drm.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
