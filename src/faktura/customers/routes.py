"""/v1/customers, /v1/contacts, /v1/tags and /v1/suppliers."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import error_responses, get_session, require_scope
from faktura.api.schemas import DeletedResponse, ListResponse
from faktura.core.types import IsoDateOrTime, Text
from faktura.customers import schemas, service, tags
from faktura.customers.models import CUSTOMER, SUPPLIER
from faktura.customers.queries import PartyFilters

customers_router = api_router("customers")
contacts_router = api_router("contacts")
tags_router = api_router("tags")
suppliers_router = api_router("suppliers")
routers = (customers_router, contacts_router, tags_router, suppliers_router)

read = require_scope("customers:read")
write = require_scope("customers:write")

CustomerId = Annotated[uuid.UUID, Path(description="Id of the customer")]
ContactId = Annotated[uuid.UUID, Path(description="Id of the contact")]
TagId = Annotated[uuid.UUID, Path(description="Id of the tag")]
SupplierId = Annotated[uuid.UUID, Path(description="Id of the supplier")]

_SEARCH = Query(
    None,
    min_length=1,
    max_length=200,
    description="Case-insensitive substring of the company name, email, tax id (also without "
    "separators), external_id, or a contact's name or email",
)
_CREATED_FROM = Query(
    None, description="Created at or after: a date (from its start, UTC) or a timestamp"
)
_CREATED_TO = Query(
    None, description="Created at or before: a date (to its end, UTC) or a timestamp"
)
_EXTERNAL_ID = Query(None, max_length=255, description="Only the one with this external_id")


def _filters(
    search: str | None,
    external_id: str | None,
    created_from: date | datetime | None,
    created_to: date | datetime | None,
) -> PartyFilters:
    lower, upper = schemas.created_range(created_from, created_to)
    return PartyFilters(
        search=search, external_id=external_id, created_from=lower, created_before=upper
    )


# Customers


@customers_router.post(
    "/customers",
    response_model=schemas.Customer,
    status_code=201,
    summary="Create a customer",
    description="With at least one contact. Tags are given by id or name; unknown names are "
    "created.",
)
async def create_customer(
    body: schemas.CustomerCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    customer = await service.create_customer(session, principal.tenant, body)
    return json_response(schemas.customer_out(customer), status_code=201)


@customers_router.get(
    "/customers",
    response_model=ListResponse[schemas.Customer],
    summary="List customers",
    description="Customers of this account and mode, newest first, each with its contacts and "
    "tags; filter by search, tag, external_id or creation time. Page with `page` or the "
    "`starting_after`/`ending_before` cursors. Needs `customers:read`.",
)
async def list_customers(
    params: PageParams = Depends(page_params),
    search: Text | None = _SEARCH,
    tag: Text | None = Query(
        None, min_length=1, max_length=100, description="Only customers with this tag (id or name)"
    ),
    external_id: Text | None = _EXTERNAL_ID,
    created_from: IsoDateOrTime | None = _CREATED_FROM,
    created_to: IsoDateOrTime | None = _CREATED_TO,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await service.list_parties(
        session,
        principal.tenant,
        CUSTOMER,
        params,
        _filters(search, external_id, created_from, created_to),
        tag=tag,
    )
    return json_response(page.as_response([schemas.customer_out(c) for c in page.items]))


@customers_router.post(
    "/customers/bulk_tags",
    response_model=schemas.BulkResult,
    summary="Add and remove tags on many customers",
    description="All or nothing: an unknown id (customer or tag) answers 404 naming it and "
    "nothing changes.",
)
async def bulk_tag_customers(
    body: schemas.BulkTags,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    matched, changed = await tags.change_customer_tags(
        session, principal.tenant, body.customer_ids, body.add_tag_ids, body.remove_tag_ids
    )
    return json_response(schemas.BulkResult(customers_matched=matched, customers_changed=changed))


@customers_router.get(
    "/customers/{customer_id}",
    response_model=schemas.Customer,
    summary="Retrieve a customer",
    description="The customer with its contacts (oldest first) and tags. A supplier's id is "
    "404 here. Needs `customers:read`.",
)
async def retrieve_customer(
    customer_id: CustomerId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    customer = await service.get_customer(session, principal.tenant, customer_id)
    return json_response(schemas.customer_out(customer))


@customers_router.patch(
    "/customers/{customer_id}",
    response_model=schemas.Customer,
    summary="Update a customer, its tags and contacts",
    responses=error_responses(409),
    description="Only the fields given change. `contacts[]` upserts (with id: change, without: "
    "add), `delete_contact_ids[]` deletes; contacts not mentioned are untouched. The whole "
    "request succeeds or nothing changes. 409 conflict when another customer has the "
    "`external_id`; 409 invalid_state when no contact would be left.",
)
async def update_customer(
    customer_id: CustomerId,
    body: schemas.CustomerUpdate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    customer = await service.update_customer(session, principal.tenant, customer_id, body)
    return json_response(schemas.customer_out(customer))


@customers_router.delete(
    "/customers/{customer_id}",
    response_model=DeletedResponse,
    responses=error_responses(409),
    summary="Delete a customer and its contacts",
    description="Refused with 409 invalid_state once the customer has issued documents or "
    "recorded payments.",
)
async def delete_customer(
    customer_id: CustomerId,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await service.delete_customer(session, principal.tenant, customer_id)
    return json_response(DeletedResponse(id=str(customer_id), deleted=True))


# Contacts


@contacts_router.post(
    "/contacts",
    response_model=schemas.Contact,
    status_code=201,
    summary="Create a contact",
    description="Adds a contact to the customer named by `customer_id` (a supplier's id is "
    "404) and records `contact.created`. With `is_primary: true` it becomes the customer's "
    "primary contact and the old one is demoted.",
)
async def create_contact(
    body: schemas.ContactCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    contact = await service.create_contact(session, principal.tenant, body)
    return json_response(schemas.contact_out(contact), status_code=201)


@contacts_router.get(
    "/contacts",
    response_model=ListResponse[schemas.Contact],
    summary="List contacts",
    description="Contacts of every customer, or of one with `customer_id`, newest first. Page "
    "with `page` or the `starting_after`/`ending_before` cursors. Needs `customers:read`.",
)
async def list_contacts(
    params: PageParams = Depends(page_params),
    customer_id: uuid.UUID | None = Query(None, description="Only this customer's contacts"),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await service.list_contacts(session, principal.tenant, params, customer_id)
    return json_response(page.as_response([schemas.contact_out(c) for c in page.items]))


@contacts_router.get(
    "/contacts/{contact_id}",
    response_model=schemas.Contact,
    summary="Retrieve a contact",
    description="One contact, with the id of its customer. Needs `customers:read`.",
)
async def retrieve_contact(
    contact_id: ContactId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    contact = await service.get_contact(session, principal.tenant, contact_id)
    return json_response(schemas.contact_out(contact))


@contacts_router.patch(
    "/contacts/{contact_id}",
    response_model=schemas.Contact,
    summary="Update a contact",
    description="Only the fields given change; the customer stays. `is_primary: true` demotes "
    "the customer's old primary contact; `is_primary: false` on the primary contact is 422 "
    "(make another one primary instead). Records `contact.updated`.",
)
async def update_contact(
    contact_id: ContactId,
    body: schemas.ContactUpdate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    contact = await service.update_contact(session, principal.tenant, contact_id, body)
    return json_response(schemas.contact_out(contact))


@contacts_router.delete(
    "/contacts/{contact_id}",
    response_model=DeletedResponse,
    responses=error_responses(409),
    summary="Delete a contact",
    description="The last contact of a customer cannot be deleted (409 invalid_state). "
    "Deleting the primary contact makes the oldest remaining contact primary.",
)
async def delete_contact(
    contact_id: ContactId,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await service.delete_contact(session, principal.tenant, contact_id)
    return json_response(DeletedResponse(id=str(contact_id), deleted=True))


# Tags


@tags_router.get(
    "/tags",
    response_model=ListResponse[schemas.Tag],
    summary="List tags",
    description="Tags of this account and mode, newest first, each with `customer_count`. Page "
    "with `page` or the `starting_after`/`ending_before` cursors. Needs `customers:read`.",
)
async def list_tags(
    params: PageParams = Depends(page_params),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page, counts = await tags.list_tags(session, principal.tenant, params)
    return json_response(
        page.as_response([schemas.tag_out(t, counts.get(t.id, 0)) for t in page.items])
    )


@tags_router.post(
    "/tags",
    response_model=schemas.Tag,
    status_code=201,
    summary="Create a tag",
    description="Names are unique regardless of case: a name already taken (`VIP` and `vip` "
    "are one tag) is 409 conflict. Records `tag.created`.",
)
async def create_tag(
    body: schemas.TagCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    tag = await tags.create_tag(session, principal.tenant, body.name)
    return json_response(schemas.tag_out(tag, 0), status_code=201)


@tags_router.get(
    "/tags/{tag_id}",
    response_model=schemas.Tag,
    summary="Retrieve a tag",
    description="The tag with the number of customers carrying it. Needs `customers:read`.",
)
async def retrieve_tag(
    tag_id: TagId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    tag, count = await tags.get_tag(session, principal.tenant, tag_id)
    return json_response(schemas.tag_out(tag, count))


@tags_router.patch(
    "/tags/{tag_id}",
    response_model=schemas.Tag,
    responses=error_responses(409),
    summary="Rename a tag",
    description="Renaming into a name another tag has, in any case, is 409 conflict. Records "
    "`tag.updated` (and no event per customer); the same name again changes nothing.",
)
async def rename_tag(
    tag_id: TagId,
    body: schemas.TagUpdate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await tags.rename_tag(session, principal.tenant, tag_id, body.name)
    tag, count = await tags.get_tag(session, principal.tenant, tag_id)
    return json_response(schemas.tag_out(tag, count))


@tags_router.delete(
    "/tags/{tag_id}",
    response_model=DeletedResponse,
    summary="Delete a tag",
    description="The tag is removed from every customer carrying it.",
)
async def delete_tag(
    tag_id: TagId,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await tags.delete_tag(session, principal.tenant, tag_id)
    return json_response(DeletedResponse(id=str(tag_id), deleted=True))


@tags_router.post(
    "/tags/{tag_id}/customers",
    response_model=schemas.BulkResult,
    summary="Tag customers",
    description="All or nothing: an unknown customer id answers 404 naming it and nothing "
    "changes. `customers_changed` counts the customers that did not have the tag yet.",
)
async def tag_customers(
    tag_id: TagId,
    body: schemas.TagCustomers,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    matched, changed = await tags.change_customer_tags(
        session, principal.tenant, body.customer_ids, [tag_id], []
    )
    return json_response(schemas.BulkResult(customers_matched=matched, customers_changed=changed))


@tags_router.delete(
    "/tags/{tag_id}/customers",
    response_model=schemas.BulkResult,
    responses=error_responses(400, 413, 415),
    summary="Untag customers",
    description="Takes a JSON body like POST. All or nothing; `customers_changed` counts the "
    "customers that had the tag.",
)
async def untag_customers(
    tag_id: TagId,
    body: schemas.TagCustomers,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    matched, changed = await tags.change_customer_tags(
        session, principal.tenant, body.customer_ids, [], [tag_id]
    )
    return json_response(schemas.BulkResult(customers_matched=matched, customers_changed=changed))


# Suppliers


@suppliers_router.post(
    "/suppliers",
    response_model=schemas.Supplier,
    status_code=201,
    summary="Create a supplier",
    description="A supplier takes the customer fields but no contacts or tags; its tax id is "
    "checked like a customer's and its `external_id` is unique among suppliers (409 conflict). "
    "Records `supplier.created`.",
)
async def create_supplier(
    body: schemas.SupplierCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    supplier = await service.create_supplier(session, principal.tenant, body)
    return json_response(schemas.supplier_out(supplier), status_code=201)


@suppliers_router.get(
    "/suppliers",
    response_model=ListResponse[schemas.Supplier],
    summary="List suppliers",
    description="Suppliers of this account and mode, newest first; filter by search, "
    "external_id or creation time. Page with `page` or the `starting_after`/`ending_before` "
    "cursors. Needs `customers:read`.",
)
async def list_suppliers(
    params: PageParams = Depends(page_params),
    search: Text | None = Query(
        None,
        min_length=1,
        max_length=200,
        description="Case-insensitive substring of the company name, email, tax id or external_id",
    ),
    external_id: Text | None = _EXTERNAL_ID,
    created_from: IsoDateOrTime | None = _CREATED_FROM,
    created_to: IsoDateOrTime | None = _CREATED_TO,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await service.list_parties(
        session,
        principal.tenant,
        SUPPLIER,
        params,
        _filters(search, external_id, created_from, created_to),
    )
    return json_response(page.as_response([schemas.supplier_out(s) for s in page.items]))


@suppliers_router.get(
    "/suppliers/{supplier_id}",
    response_model=schemas.Supplier,
    summary="Retrieve a supplier",
    description="One supplier. A customer's id is 404 here. Needs `customers:read`.",
)
async def retrieve_supplier(
    supplier_id: SupplierId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    supplier = await service.get_supplier(session, principal.tenant, supplier_id)
    return json_response(schemas.supplier_out(supplier))


@suppliers_router.patch(
    "/suppliers/{supplier_id}",
    response_model=schemas.Supplier,
    responses=error_responses(409),
    summary="Update a supplier",
    description="Only the fields given change. 409 conflict when another supplier has the "
    "`external_id`.",
)
async def update_supplier(
    supplier_id: SupplierId,
    body: schemas.SupplierUpdate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    supplier = await service.update_supplier(session, principal.tenant, supplier_id, body)
    return json_response(schemas.supplier_out(supplier))


@suppliers_router.delete(
    "/suppliers/{supplier_id}",
    response_model=DeletedResponse,
    summary="Delete a supplier",
    description="Removes the supplier and records `supplier.deleted`. A customer's id is 404 here.",
)
async def delete_supplier(
    supplier_id: SupplierId,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await service.delete_supplier(session, principal.tenant, supplier_id)
    return json_response(DeletedResponse(id=str(supplier_id), deleted=True))
