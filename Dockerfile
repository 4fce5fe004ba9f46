# The newsflow application image (producer, worker, api, setup share it).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The dependencies exactly as locked (requirements/runtime.lock: versions and hashes, make lock),
# in a layer of their own: editing the code does not reinstall them.
COPY requirements/runtime.lock ./requirements/
RUN pip install --require-hashes --no-deps -r requirements/runtime.lock

COPY pyproject.toml README.md ./
# The layer folders of the one package `newsflow` (pyproject's [tool.setuptools.package-dir]).
COPY newsflow ./newsflow
COPY schemas ./schemas
COPY infra ./infra
COPY operations ./operations
COPY producers ./producers
COPY processors ./processors
COPY api ./api
COPY delivery ./delivery
COPY stack ./stack
COPY cli ./cli
# The project alone: its dependencies are installed above (pip check fails if the lock lacks one).
RUN pip install --no-deps . && pip check && useradd --system --uid 10001 --home-dir /var/lib/newsflow --create-home newsflow \
    && mkdir -p /ingest && chown newsflow /ingest

# The NER pipeline (NEWSFLOW_NER_MODEL): downloaded from its pinned address and checked against its SHA-256
# (newsflow.infra.ner_models), outside NEWSFLOW_HOME, which the compose file mounts as a volume.
ENV NEWSFLOW_NER_MODEL_DIR=/opt/newsflow/models
RUN newsflow fetch --ner-model-only

# Kibana's saved objects (for the compose service kibana-setup); after the install so that
# editing them does not re-run pip.
COPY kibana ./kibana
USER newsflow
CMD ["newsflow", "--help"]
