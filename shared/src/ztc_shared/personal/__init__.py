"""Personal data in an immutable log, erasable (个人信息保护法): sealed per person, shredded by key.

An event is kept forever and read by every consumer, so a person's contact details go into it only
sealed: encrypted with a key of that person's own (AES-256-GCM), held apart from the events in a
:class:`KeyStore`. Erasing the person deletes the key; every copy of the sealed value — in the event
store, on Kafka, in a mirror, in a backup — is unreadable from then on (crypto-shredding).
"""

from ztc_shared.personal.vault import (
    ERASED,
    KeyStore,
    PersonalDataVault,
    SealedPersonalData,
)

__all__ = ["ERASED", "KeyStore", "PersonalDataVault", "SealedPersonalData"]
