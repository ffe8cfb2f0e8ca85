"""Importing hours recorded on other volunteer platforms (时长导入): uploading a file in the
template (or another layout with its mapping file), checking it without keeping anything,
submitting it for review, and another reviewer approving or rejecting the batch; the
batches and each one's report of refused rows.

Owns these pages. The file is read here (timebank.volunteer_records) into rows; the node
checks every row, keeps the batch pending, refuses the submitter's own approval, and
deposits each record once.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.calls import Refusal
from console.desk import PAGE_LEVEL
from console.office import Office, path_id
from timebank import ids, record_batches, volunteer_records
from timebank.errors import ConfigError
from timebank.v1 import care_pb2

__all__ = ["ImportPages"]

STATES = ("pending", "approved", "rejected")


class ImportPages:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.calls = office.calls

    def routes(self) -> list[Route]:
        signed_in = self.office.signed_in
        return [
            Route("/imports", signed_in(self.imports), methods=["GET"]),
            Route("/imports", signed_in(self.upload), methods=["POST"]),
            Route("/imports/template.csv", signed_in(self.template), methods=["GET"]),
            Route("/imports/{batch_id}", signed_in(self.batch), methods=["GET"]),
            Route("/imports/{batch_id}", signed_in(self.review), methods=["POST"]),
        ]

    async def imports(
        self, request: Request, token: str, message: str = "", checked: care_pb2.ImportBatch | None = None
    ) -> Response:
        state = request.query_params.get("state", "")
        wanted = care_pb2.ListImportsRequest(state=state if state in STATES else "", limit=1000)
        batches = self.calls.call(self.calls.care.ListImports, wanted, token).batches
        return self.office.render(
            request,
            "imports.html",
            400 if message else 200,
            me=self.office.account(token),
            batches=[(ids.to_hex(ids.from_bytes(b.batch_id, "batch_id")), b) for b in batches],
            states=STATES,
            state=state,
            checked=checked,
            message=message,
            header=volunteer_records.TEMPLATE_HEADER,
            crumbs=["imports"],
        )

    async def template(self, request: Request, token: str) -> Response:
        self.office.account(token)
        headers = {"content-disposition": 'attachment; filename="import-template.csv"'}
        body = volunteer_records.template_csv().encode("utf-8")
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

    async def upload(self, request: Request, token: str) -> Response:
        await self.office.checked_form(request)
        form = await request.form()
        try:
            upload, mapping_file = form.get("file"), form.get("mapping")
            if not isinstance(upload, UploadFile) or not upload.filename:
                return await self.imports(request, token, "file: choose the file to import (CSV or XLSX)")
            file_name, data = upload.filename, await upload.read()
            mapping_text = await mapping_file.read() if isinstance(mapping_file, UploadFile) else b""
            mapping_name = mapping_file.filename or "" if isinstance(mapping_file, UploadFile) else ""
        finally:
            await form.close()  # the uploads' spooled files
        dry_run = form.get("action") == "check"
        try:
            mapping = (
                volunteer_records.parse_mapping(mapping_text.decode("utf-8"), mapping_name) if mapping_name else None
            )
            submitted = record_batches.submit_request(
                data, file_name, mapping, batch_id=bytes.fromhex(secrets.token_hex(16)), dry_run=dry_run
            )
        except (ConfigError, UnicodeDecodeError) as error:
            return await self.imports(request, token, str(error))
        try:
            batch = self.calls.call(self.calls.care.SubmitImport, submitted, token)
        except Refusal as refusal:
            if refusal.code in PAGE_LEVEL:
                raise
            return await self.imports(request, token, refusal.detail)
        if dry_run:
            return await self.imports(request, token, checked=batch)
        return RedirectResponse(f"/imports/{batch.batch_id.hex()}", status_code=303)

    async def batch(self, request: Request, token: str, message: str = "") -> Response:
        batch_id = path_id(request, "batch_id")
        wanted = care_pb2.GetImportRequest(batch_id=ids.to_bytes(batch_id))
        found = self.calls.call(self.calls.care.GetImport, wanted, token)
        return self.office.render(
            request,
            "import.html",
            400 if message else 200,
            me=self.office.account(token),
            batch=found,
            batch_hex=ids.to_hex(batch_id),
            names=self.office.names(token, (outcome.person_id for outcome in found.outcomes)),
            message=message,
            crumbs=["imports", "import_batch"],
        )

    async def review(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        batch_id = path_id(request, "batch_id")
        decided = care_pb2.ReviewImportRequest(
            batch_id=ids.to_bytes(batch_id), approve=form.get("decision") == "approve", note=form.get("note", "")
        )

        async def again(message: str) -> Response:
            return await self.batch(request, token, message)

        return await self.office.change(
            token, self.calls.care.ReviewImport, decided, again, f"/imports/{ids.to_hex(batch_id)}"
        )
