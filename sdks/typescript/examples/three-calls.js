// The README's three calls with the TypeScript client: list services, availability, book. Run against
// `make dev` by tests/e2e/test_sdks.py with APTURA_URL, APTURA_KEY, APTURA_CONNECTION set from .aptura/dev.json;
// prints one JSON line of what it got, and exits non-zero when a call fails.
import { createApturaClient } from "../index.js";
const env = (name) => {
    const value = process.env[name];
    if (!value)
        throw new Error(`${name} is not set`);
    return value;
};
const aptura = createApturaClient(env("APTURA_URL"), env("APTURA_KEY"));
const headers = { "x-connection-id": env("APTURA_CONNECTION") };
const services = await aptura.GET("/v1/services", { params: { header: headers } });
if (!services.data)
    throw new Error(`listServices: ${JSON.stringify(services.error)}`);
const service = services.data.data[0];
const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const availability = await aptura.GET("/v1/availability", {
    params: { header: headers, query: { serviceId: service.id, startDate: day(8), endDate: day(14) } },
});
if (!availability.data)
    throw new Error(`listAvailability: ${JSON.stringify(availability.error)}`);
const slot = availability.data.slots[availability.data.slots.length - 1];
if (!slot)
    throw new Error("listAvailability: no free slot");
const booked = await aptura.POST("/v1/appointments", {
    params: { header: headers },
    body: {
        serviceId: service.id, staffId: slot.staffId ?? "", startTime: slot.startTime,
        client: { firstName: "Ada", lastName: "Lovelace", email: "ada.sdk@example.com" },
    },
});
if (!booked.data)
    throw new Error(`createAppointment: ${JSON.stringify(booked.error)}`);
console.log(JSON.stringify({ services: services.data.data.length, slots: availability.data.slots.length,
    appointment: booked.data.id, startTime: booked.data.startTime }));
