"""The projection store contract, passed by the in-memory store and the MongoDB store.

Subclass ``ProjectionStoreContract`` and provide a ``projection_store`` fixture (empty each time).
"""

from __future__ import annotations

from typing import Any

from ztc_shared.projections.runner import ProjectionStore


class ProjectionStoreContract:
    async def test_missing_documents_are_absent(self, projection_store: ProjectionStore) -> None:
        assert await projection_store.load(["nope-1", "nope-2"]) == {}

    async def test_written_documents_load_back_whole(
        self, projection_store: ProjectionStore
    ) -> None:
        document: dict[str, Any] = {
            "_id": "a-1",
            "title": "低成本钠离子电池正极材料",
            "keywords": ["钠离子", "正极"],
            "_versions": {"a-1": 2},
        }
        await projection_store.write({"a-1": document}, {"a-1"})
        assert await projection_store.load(["a-1", "a-2"]) == {"a-1": document}

    async def test_a_write_replaces_many_existing_documents_at_once(
        self, projection_store: ProjectionStore
    ) -> None:
        ids = [f"doc-{i}" for i in range(250)]
        await projection_store.write({i: {"_id": i, "v": 1} for i in ids}, set(ids))
        await projection_store.write({i: {"_id": i, "v": 2} for i in ids}, set())
        loaded = await projection_store.load(ids)
        assert len(loaded) == 250
        assert {d["v"] for d in loaded.values()} == {2}

    async def test_a_document_thought_new_that_exists_is_replaced(
        self, projection_store: ProjectionStore
    ) -> None:
        await projection_store.write({"d-1": {"_id": "d-1", "v": 1}}, {"d-1"})
        await projection_store.write(
            {"d-1": {"_id": "d-1", "v": 2}, "d-2": {"_id": "d-2", "v": 1}}, {"d-1", "d-2"}
        )
        loaded = await projection_store.load(["d-1", "d-2"])
        assert (loaded["d-1"]["v"], loaded["d-2"]["v"]) == (2, 1)
