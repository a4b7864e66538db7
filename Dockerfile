# Production image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    QINGDAN_VAR_DIR=/var/lib/qingdan STATIC_ROOT=/app/staticfiles WHITENOISE_USE_FINDERS=false
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -e .
COPY --from=assets /build/node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
COPY --from=assets /build/node_modules/echarts/dist/echarts.min.js static/vendor/echarts.min.js
COPY --from=assets /build/node_modules/@picocss/pico/css/pico.min.css static/vendor/pico.min.css
RUN SECRET_KEY=build-only python manage.py collectstatic --no-input --verbosity 0
RUN useradd --system --home /app qingdan && mkdir -p /var/lib/qingdan/media /var/lib/qingdan/static \
    && chown -R qingdan /var/lib/qingdan
USER qingdan
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "python:config.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
