"""Kafka helpers: topic names, topic creation, the idempotent publisher."""

from ztc_shared.kafka.publisher import EventPublisher, InMemoryPublisher, KafkaEventPublisher
from ztc_shared.kafka.topics import dlq_topic, ensure_topics, service_topic

__all__ = [
    "EventPublisher",
    "InMemoryPublisher",
    "KafkaEventPublisher",
    "dlq_topic",
    "ensure_topics",
    "service_topic",
]
