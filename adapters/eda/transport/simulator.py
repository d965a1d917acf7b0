"""A grid-operator (DSO) simulator that is a `Transport`: send it a request, receive its answers.

It reads each request with the real codecs (XSD-validated), answers as a DSO does
(simulator_processes) and writes every answer with the real codecs, validated too, so what it
emits is what a grid operator would send. Gateway statuses come as they would from a gateway:
SENT and DELIVERED for a request it accepts, REJECTED with the reason for one it cannot read or
route. State (participations, id counter) lives in memory and, with `state_path`, in a JSON file.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from meshkit.adapters.eda.transport.base import (
    Clock,
    Delivery,
    GatewayStatus,
    InboundMessage,
    OutboundMessage,
    SendReceipt,
    StatusEvent,
    utc_now,
)
from meshkit.adapters.eda.transport.envelope import read_envelope
from meshkit.adapters.eda.transport.errors import UnknownDeliveryError
from meshkit.adapters.eda.transport.simulator_energy import (
    USUAL_CODES,
    MeterCodes,
    consumption_record,
    members_day,
)
from meshkit.adapters.eda.transport.simulator_processes import (
    ProcessContext,
    change_factor,
    join,
    leave,
    list_points,
    resend_energy,
)
from meshkit.adapters.eda.transport.simulator_registry import (
    SimulatedCommunity,
    SimulatedMeteringPoint,
    SimulatorRegistry,
)
from meshkit.adapters.eda.xml import (
    CMNotification,
    CMRequest,
    CMRevoke,
    ConsumptionRecord,
    CPNotification,
    CPRequest,
    ECMPList,
    EdaDocumentError,
    EdaMessage,
    MessageHeader,
    read_document,
    write_document,
)

Handler = Callable[[ProcessContext, Any], list[EdaMessage]]
# message code -> (the request type it must arrive in, the DSO's handling)
_HANDLERS: dict[str, tuple[type, Handler]] = {
    "ANFORDERUNG_ECON": (CMRequest, join),
    "ANFORDERUNG_ECOF": (CMRequest, leave),
    "ANFORDERUNG_CPF": (ECMPList, change_factor),
    "ANFORDERUNG_ECP": (CPRequest, list_points),
    "ANFORDERUNG_PT": (CPRequest, resend_energy),
}


@dataclass(frozen=True, slots=True)
class SimulatorVersions:
    """Schema versions the simulator writes (ECMPList 01.20 only applies from 2026-10)."""

    cm_notification: str = "01p20"
    ecmp_list: str = "01p10"
    cp_notification: str = "01p13"
    consumption_record: str = "01p41"
    cm_revoke: str = "01p10"

    def for_message(self, message: EdaMessage) -> str:
        versions: dict[type, str] = {
            CMNotification: self.cm_notification,
            ECMPList: self.ecmp_list,
            CPNotification: self.cp_notification,
            ConsumptionRecord: self.consumption_record,
            CMRevoke: self.cm_revoke,
        }
        return versions[type(message)]


class DsoSimulator:
    """A `Transport` whose far end is a simulated grid operator."""

    def __init__(
        self,
        grid_operator: str,
        communities: Iterable[SimulatedCommunity],
        metering_points: Iterable[SimulatedMeteringPoint],
        *,
        clock: Clock = utc_now,
        xsd_dir: str | os.PathLike[str] | None = None,
        validate: bool = True,
        seed: int = 0,
        state_path: str | Path | None = None,
        versions: SimulatorVersions = SimulatorVersions(),
        meter_codes: MeterCodes = USUAL_CODES,
    ) -> None:
        self.registry = SimulatorRegistry(
            grid_operator,
            {c.ec_id: c for c in communities},
            {p.metering_point: p for p in metering_points},
        )
        self._clock = clock
        self._xsd_dir = xsd_dir
        self._validate = validate
        self._seed = seed
        self._versions = versions
        self._meter_codes = meter_codes
        self._state_path = None if state_path is None else Path(state_path)
        if self._state_path is not None:
            self.registry.load(self._state_path)
        self._pending: OrderedDict[str, Delivery] = OrderedDict()
        self._acknowledged: set[str] = set()
        self._deliveries = 0
        self._lock = threading.RLock()

    # --- Transport ----------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendReceipt:
        with self._lock:
            now = self._clock()
            message_id = message.envelope.message_id
            refusal = self._refusal(message)
            if isinstance(refusal, str):
                self._status(message_id, GatewayStatus.REJECTED, now, refusal)
                return SendReceipt(message_id, now, reference="simulator")
            request, handler = refusal
            self._status(message_id, GatewayStatus.SENT, now)
            self._status(message_id, GatewayStatus.DELIVERED, now)
            answers = handler(
                ProcessContext(self.registry, now, self._seed, self._meter_codes), request
            )
            for answer in answers:
                self._emit(answer, now)
            self._save()
            return SendReceipt(message_id, now, reference="simulator")

    def receive(self) -> list[Delivery]:
        with self._lock:
            return list(self._pending.values())

    def acknowledge(self, delivery_id: str) -> None:
        with self._lock:
            if self._pending.pop(delivery_id, None) is not None:
                self._acknowledged.add(delivery_id)
            elif delivery_id not in self._acknowledged:
                raise UnknownDeliveryError(f"the simulator never delivered {delivery_id!r}")

    # --- the DSO's daily energy data ----------------------------------------------------------

    def daily_energy(self, day: date) -> list[InboundMessage]:
        """Send DATEN_CRMSG for every metering point active in a community on `day`."""
        with self._lock:
            now = self._clock()
            sent = []
            for community in self.registry.communities.values():
                for point_day in members_day(
                    self.registry, community, day, self._seed, self._meter_codes
                ):
                    ctx = ProcessContext(self.registry, now)
                    header = MessageHeader(
                        sender=self.registry.grid_operator,
                        receiver=community.address,
                        created=now,
                        message_code="DATEN_CRMSG",
                        message_id=ctx.new_id(),
                        conversation_id=ctx.new_id(),
                    )
                    record = consumption_record(header, community, now, [(day, point_day)])
                    sent.append(self._emit(record, now))
            self._save()
            return sent

    def revoke_consent(
        self,
        metering_point: str,
        ec_id: str,
        consent_end: date,
        *,
        reason_key: int | None = None,
        reason: str | None = None,
    ) -> InboundMessage:
        """The customer revoked their consent (CM_REV_SP): the participation ends on
        `consent_end` and the community receives AUFHEBUNG_CCMS. KeyError if the point has no
        participation in the community on that day."""
        with self._lock:
            now = self._clock()
            membership = self.registry.membership(metering_point, ec_id, consent_end)
            if membership is None:
                raise KeyError(f"{metering_point} takes no part in {ec_id} on {consent_end}")
            membership.date_to = consent_end
            ctx = ProcessContext(self.registry, now)
            revoke = CMRevoke(
                header=MessageHeader(
                    sender=self.registry.grid_operator,
                    receiver=self.registry.communities[ec_id].address,
                    created=now,
                    message_code="AUFHEBUNG_CCMS",
                    message_id=ctx.new_id(),
                    conversation_id=ctx.new_id(),
                ),
                consent_id=membership.consent_id,
                metering_point=metering_point,
                consent_end=consent_end,
                reason_key=reason_key,
                reason=reason,
            )
            inbound = self._emit(revoke, now)
            self._save()
            return inbound

    # --- internals ----------------------------------------------------------------------------

    def _refusal(self, message: OutboundMessage) -> str | tuple[EdaMessage, Handler]:
        """Why the gateway rejects `message`, or the parsed request and its handler."""
        receiver = message.envelope.receiver
        if receiver != self.registry.grid_operator:
            return f"receiver {receiver} is not this grid operator ({self.registry.grid_operator})"
        try:
            request = read_document(message.payload, validate=self._validate, xsd_dir=self._xsd_dir)
        except EdaDocumentError as exc:
            return f"document refused: {exc}"
        expected = _HANDLERS.get(request.header.message_code)
        if expected is None or not isinstance(request, expected[0]):
            return f"the simulator does not handle {request.header.message_code}"
        return request, expected[1]

    def _next_delivery(self) -> str:
        self._deliveries += 1
        return f"sim{self._deliveries:06d}"

    def _status(
        self, message_id: str, status: GatewayStatus, at: datetime, reason: str | None = None
    ) -> None:
        event = StatusEvent(self._next_delivery(), message_id, status, at, reason)
        self._pending[event.delivery_id] = event

    def _emit(self, answer: EdaMessage, now: datetime) -> InboundMessage:
        version = self._versions.for_message(answer)
        payload = write_document(answer, version, validate=self._validate, xsd_dir=self._xsd_dir)
        inbound = InboundMessage(self._next_delivery(), read_envelope(payload), payload, now)
        self._pending[inbound.delivery_id] = inbound
        return inbound

    def _save(self) -> None:
        if self._state_path is not None:
            self.registry.save(self._state_path)
