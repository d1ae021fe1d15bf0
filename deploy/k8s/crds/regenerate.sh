#!/usr/bin/env bash
# Regenerates the Strimzi CRDs in this directory, exactly as Strimzi's own build does
# (api/pom.xml, `generate-crd-co-install-v1*`), from the release's `io.strimzi:api` classes and its
# `io.strimzi:crd-generator`, both fetched from Maven Central with mvn. Needs java and mvn.
#
#   deploy/k8s/crds/regenerate.sh            # STRIMZI_VERSION=0.45.0
#
# 0.45.0 is the newest release whose crd-generator is published to Maven Central.
set -euo pipefail
cd "$(dirname "$0")"
version="${STRIMZI_VERSION:-0.45.0}"
jars="$(mktemp -d)"
trap 'rm -rf "$jars"' EXIT
for artifact in api crd-generator; do
    mvn -q dependency:copy -Dartifact="io.strimzi:${artifact}:${version}" -DoutputDirectory="$jars"
done
classpath="${jars}/api-${version}.jar:${jars}/crd-generator-${version}.jar"
common=(--label app:strimzi --label strimzi.io/crd-install:true --target-kube 1.16+ --crd-api-version v1
        --storage-version v1beta2 --yaml)
model=io.strimzi.api.kafka.model
java -cp "$classpath" io.strimzi.crdgenerator.CrdGenerator "${common[@]}" --api-versions v1beta2 \
    "${model}.kafka.Kafka=./040-Crd-kafka.yaml" \
    "${model}.mirrormaker2.KafkaMirrorMaker2=./048-Crd-kafkamirrormaker2.yaml" \
    "${model}.nodepool.KafkaNodePool=./04A-Crd-kafkanodepool.yaml" 2> >(grep -v '^SLF4J' >&2)
java -cp "$classpath" io.strimzi.crdgenerator.CrdGenerator "${common[@]}" --api-versions v1alpha1,v1beta1,v1beta2 \
    "${model}.topic.KafkaTopic=./043-Crd-kafkatopic.yaml" \
    "${model}.user.KafkaUser=./044-Crd-kafkauser.yaml" 2> >(grep -v '^SLF4J' >&2)
echo "Strimzi ${version} CRDs written to $(pwd)"
