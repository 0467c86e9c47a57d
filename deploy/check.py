"""Static checks of the deployment files under deploy/ (no Docker or cluster needed).

    .venv/bin/python deploy/check.py

Parses every YAML file under deploy/ (all documents of each) and checks invariants:
- Kubernetes (deploy/k8s/): every document has apiVersion, kind and metadata.name
  (a Kustomization needs no name); kustomization.yaml lists every manifest except
  templates, and only files that exist; the ConfigMaps, Secrets and PVCs that pods refer
  to are defined; selectors match their pod labels; the HPA and PDB target the worker;
  the worker keeps its contract (3 replicas, 30 s grace period, non-root).
- compose (deploy/compose.yaml): every service named in depends_on / links /
  volumes_from / extends / network_mode exists; each service has an image or a build;
  the worker keeps its contract (3 replicas, SIGTERM, 30 s grace); secrets are ${...}
  references, never literals; each required ${VAR:?} is in .env.example; shipped files
  that are bind-mounted exist.
This is a YAML-level check only: it proves nothing about images, a Docker daemon or a
cluster (docs/deployment.md).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"

# Bind-mount sources that operators create (git-ignored), not shipped files.
OPERATOR_DIRS = {"./rosters", "./plans", "./reports"}
SECRET_WORDS = ("PASSWORD", "PWD", "SECRET", "TOKEN")
WORKER_REPLICAS = 3
GRACE_SECONDS = 30

REFS = (("configMapRef", "ConfigMap"), ("secretRef", "Secret"))
REQUIRED_KINDS = (
    "Namespace",
    "ConfigMap",
    "Secret",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "Job",
)

Doc = dict[str, Any]


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: Path | str, message: str) -> None:
        label = where.relative_to(DEPLOY.parent) if isinstance(where, Path) else where
        self.items.append(f"{label}: {message}")


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def load_all(path: Path, problems: Problems) -> list[Doc]:
    try:
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        problems.add(path, f"not valid YAML: {exc}")
        return []
    result: list[Doc] = []
    for i, doc in enumerate(docs):
        if doc is None:  # an empty document (e.g. a trailing ---)
            continue
        if not isinstance(doc, dict):
            problems.add(path, f"document {i + 1} is a {type(doc).__name__}, not a mapping")
            continue
        result.append(doc)
    if not result:
        problems.add(path, "no YAML document")
    return result


def dig(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


# ---- Kubernetes -------------------------------------------------------------------------


def pod_specs(doc: Doc) -> Iterator[Doc]:
    if doc.get("kind") in {"Deployment", "Job", "StatefulSet", "DaemonSet"}:
        spec = dig(doc, "spec", "template", "spec")
        if isinstance(spec, dict):
            yield spec


def containers(pod: Doc) -> Iterator[Doc]:
    for key in ("initContainers", "containers"):
        for c in pod.get(key) or []:
            if isinstance(c, dict):
                yield c


def check_k8s(docs_by_file: dict[Path, list[Doc]], problems: Problems) -> int:
    objects: dict[tuple[str, str], tuple[Path, Doc]] = {}
    kustomization: tuple[Path, Doc] | None = None
    count = 0
    for path, docs in docs_by_file.items():
        for doc in docs:
            count += 1
            kind = doc.get("kind")
            for field in ("apiVersion", "kind"):
                if not isinstance(doc.get(field), str) or not doc.get(field):
                    problems.add(path, f"a document has no {field}")
            if kind == "Kustomization":
                kustomization = (path, doc)
                continue
            name = dig(doc, "metadata", "name")
            if not isinstance(name, str) or not name:
                problems.add(path, f"{kind or 'a document'} has no metadata.name")
                continue
            if (str(kind), name) in objects:
                problems.add(path, f"{kind}/{name} is defined twice")
            objects[(str(kind), name)] = (path, doc)

    if kustomization is None:
        problems.add(K8S, "no kustomization.yaml")
    else:
        kpath, kdoc = kustomization
        listed = {str(r) for r in kdoc.get("resources") or []}
        for entry in sorted(listed):
            if not (kpath.parent / entry).exists():
                problems.add(kpath, f"lists {entry}, which does not exist")
        for path in docs_by_file:
            rel = path.relative_to(kpath.parent).as_posix()
            if path != kpath and "template" not in path.name and rel not in listed:
                problems.add(kpath, f"does not list {rel} (name it *template* if on purpose)")

    defined = {(kind, name) for kind, name in objects}
    for (kind, name), (path, doc) in objects.items():
        for pod in pod_specs(doc):
            volumes = {v.get("name"): v for v in pod.get("volumes") or [] if isinstance(v, dict)}
            for c in containers(pod):
                for src in c.get("envFrom") or []:
                    for ref_key, ref_kind in REFS:
                        ref = dig(src, ref_key, "name")
                        if ref and (ref_kind, ref) not in defined:
                            problems.add(path, f"{kind}/{name} uses undefined {ref_kind} {ref}")
                for mount in c.get("volumeMounts") or []:
                    if mount.get("name") not in volumes:
                        problems.add(path, f"{kind}/{name} mounts undeclared {mount.get('name')}")
            for vol in volumes.values():
                claim = dig(vol, "persistentVolumeClaim", "claimName")
                if claim and ("PersistentVolumeClaim", claim) not in defined:
                    problems.add(path, f"{kind}/{name} uses undefined PVC {claim}")
        if kind in {"Deployment", "StatefulSet", "DaemonSet"}:
            selector = dig(doc, "spec", "selector", "matchLabels") or {}
            labels = dig(doc, "spec", "template", "metadata", "labels") or {}
            if not selector or any(labels.get(k) != v for k, v in selector.items()):
                problems.add(path, f"{kind}/{name}: selector does not match the pod labels")
        if kind == "HorizontalPodAutoscaler":
            target = dig(doc, "spec", "scaleTargetRef") or {}
            if (target.get("kind"), target.get("name")) not in defined:
                problems.add(path, f"HPA {name} targets undefined {target}")
        if kind == "PodDisruptionBudget":
            selector = dig(doc, "spec", "selector", "matchLabels") or {}
            pod_labels = [
                dig(d, "spec", "template", "metadata", "labels") or {}
                for (k, _), (_, d) in objects.items()
                if k == "Deployment"
            ]
            if not selector or not any(
                all(labels.get(k) == v for k, v in selector.items()) for labels in pod_labels
            ):
                problems.add(path, f"PDB {name} selects no Deployment's pods")

    worker = objects.get(("Deployment", "warmth-worker"))
    if worker is None:
        problems.add(K8S, "no Deployment warmth-worker")
    else:
        path, doc = worker
        pod = dig(doc, "spec", "template", "spec") or {}
        if dig(doc, "spec", "replicas") != WORKER_REPLICAS:
            problems.add(path, f"warmth-worker should run {WORKER_REPLICAS} replicas")
        if pod.get("terminationGracePeriodSeconds") != GRACE_SECONDS:
            problems.add(path, f"warmth-worker needs terminationGracePeriodSeconds {GRACE_SECONDS}")
        if dig(pod, "securityContext", "runAsNonRoot") is not True:
            problems.add(path, "warmth-worker must run as non-root")
        for c in containers(pod):
            if not dig(c, "resources", "requests") or not dig(c, "resources", "limits"):
                problems.add(path, f"container {c.get('name')} needs resource requests and limits")
    for kind in REQUIRED_KINDS:
        if not any(k == kind for k, _ in objects):
            problems.add(K8S, f"no {kind} manifest")
    return count


# ---- compose ------------------------------------------------------------------------------

REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?([^}]*)\}")


def referenced_services(service: Doc) -> Iterator[tuple[str, str]]:
    deps = service.get("depends_on") or []
    for dep in deps if isinstance(deps, list) else deps.keys():
        yield "depends_on", str(dep)
    for link in service.get("links") or []:
        yield "links", str(link).split(":", 1)[0]
    for source in service.get("volumes_from") or []:
        text = str(source)
        if not text.startswith("container:"):
            yield "volumes_from", text.split(":", 1)[0]
    extends = service.get("extends")
    if isinstance(extends, dict) and "file" not in extends and extends.get("service"):
        yield "extends", str(extends["service"])
    for key in ("network_mode", "pid", "ipc"):
        value = str(service.get(key) or "")
        if value.startswith("service:"):
            yield key, value.split(":", 1)[1]


def split_entry(entry: object) -> tuple[str, str]:
    """``KEY=value`` (list form of ``environment``) as a pair."""
    key, _, value = str(entry).partition("=")
    return key, value


def is_literal_secret(key: str, value: str) -> bool:
    """Whether an environment entry carries a secret written into the compose file."""
    if not value:
        return False
    if key.endswith("_URL"):  # only a URL's user-info part holds a password
        userinfo = value.split("://", 1)[-1].split("@", 1)[0] if "@" in value else ""
        return ":" in userinfo and not REF.search(userinfo)
    if any(word in key.upper() for word in SECRET_WORDS):
        return not REF.fullmatch(value.strip())
    return False


def env_example_names(problems: Problems) -> set[str]:
    if not ENV_EXAMPLE.exists():
        problems.add(ENV_EXAMPLE, "missing")
        return set()
    names = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            names.add(line.split("=", 1)[0].strip())
    return names


def check_compose(doc: Doc, problems: Problems) -> None:
    services = doc.get("services")
    if not isinstance(services, dict) or not services:
        problems.add(COMPOSE, "no services")
        return
    for name, service in services.items():
        if not isinstance(service, dict):
            problems.add(COMPOSE, f"service {name} is not a mapping")
            continue
        for how, ref in referenced_services(service):
            if ref not in services:
                problems.add(COMPOSE, f"service {name}: {how} refers to unknown service {ref}")
        if "image" not in service and "build" not in service:
            problems.add(COMPOSE, f"service {name} has neither image nor build")
        env = service.get("environment") or {}
        pairs = env.items() if isinstance(env, dict) else (split_entry(e) for e in env)
        for key, value in pairs:
            if is_literal_secret(str(key), "" if value is None else str(value)):
                problems.add(COMPOSE, f"service {name}: {key} holds a literal secret, use ${{...}}")
        for volume in service.get("volumes") or []:
            source = (
                str(volume).split(":", 1)[0]
                if isinstance(volume, str)
                else str(volume.get("source", ""))
            )
            shipped = source.startswith((".", "/")) and source not in OPERATOR_DIRS
            if shipped and not (COMPOSE.parent / source).exists():
                problems.add(COMPOSE, f"service {name}: bind-mount source {source} missing")
    worker = services.get("worker")
    if not isinstance(worker, dict):
        problems.add(COMPOSE, "no worker service")
    else:
        if dig(worker, "deploy", "replicas") != WORKER_REPLICAS:
            problems.add(COMPOSE, f"worker needs deploy.replicas: {WORKER_REPLICAS}")
        if worker.get("stop_signal") != "SIGTERM":
            problems.add(COMPOSE, "worker needs stop_signal: SIGTERM")
        if worker.get("stop_grace_period") != f"{GRACE_SECONDS}s":
            problems.add(COMPOSE, f"worker needs stop_grace_period: {GRACE_SECONDS}s")
        if "container_name" in worker:
            problems.add(COMPOSE, "worker cannot have a container_name with several replicas")
    for required in ("postgresql", "temporal", "temporal-ui", "migrate", "worker"):
        if required not in services:
            problems.add(COMPOSE, f"no {required} service")
    defined = env_example_names(problems)
    text = COMPOSE.read_text(encoding="utf-8")
    for match in REF.finditer(text):
        var, op = match.group(1), match.group(2) or ""
        if op.endswith("?") and var not in defined:
            problems.add(COMPOSE, f"${{{var}}} is required but not in .env.example")


def main() -> int:
    problems = Problems()
    files = yaml_files()
    docs_by_file = {path: load_all(path, problems) for path in files}
    documents = sum(len(d) for d in docs_by_file.values())
    k8s_docs = {p: d for p, d in docs_by_file.items() if K8S in p.parents}
    check_k8s(k8s_docs, problems)
    compose_docs = docs_by_file.get(COMPOSE)
    if not compose_docs:
        problems.add(COMPOSE, "missing or empty")
    else:
        check_compose(compose_docs[0], problems)
    for item in problems.items:
        print(f"FAIL {item}")
    status = "FAILED" if problems.items else "OK"
    print(
        f"{status}: {len(files)} YAML files, {documents} documents under deploy/, "
        f"{len(problems.items)} problems"
    )
    return 1 if problems.items else 0


if __name__ == "__main__":
    sys.exit(main())
