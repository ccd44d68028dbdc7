# One image for web, worker and the init job. Build with --build-arg TORCH_INDEX for CPU-only hosts.
FROM python:3.11-slim
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN useradd --create-home --uid 1000 dashapp
COPY pyproject.toml README.md ./
COPY dashapp ./dashapp
COPY tasks ./tasks
RUN pip install --extra-index-url "$TORCH_INDEX" .
COPY assets ./assets
COPY migrations ./migrations
COPY wsgi.py gunicorn.conf.py ./
USER dashapp
EXPOSE 8050
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
