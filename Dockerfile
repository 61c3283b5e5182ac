FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY indexer indexer
COPY api api
COPY ingest ingest
COPY cli cli
COPY mappings mappings
COPY samples samples
RUN pip install --no-cache-dir -e .
EXPOSE 8000
CMD ["akhbar", "serve", "--host", "0.0.0.0", "--port", "8000"]
