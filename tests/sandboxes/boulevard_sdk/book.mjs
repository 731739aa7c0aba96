// Books one appointment through the official Boulevard Book SDK against the Aptura sandbox.
//
// Run by tests/sandboxes/test_boulevard.py. Inputs come from the environment; the result is
// one JSON object on stdout (the test asserts on it). Any failure exits non-zero with the
// error on stderr.
import { createHmac } from "crypto";
import { Blvd } from "@boulevard/blvd-book-sdk";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`missing env ${name}`);
  return value;
};

const target = env("BLVD_TARGET"); // e.g. http://127.0.0.1:PORT/boulevard
const apiKey = env("BLVD_API_KEY");
const secretKey = env("BLVD_SECRET_KEY");
const businessId = env("BLVD_BUSINESS_ID");
const locationId = env("BLVD_LOCATION_ID");
const serviceId = env("BLVD_SERVICE_ID");
const staffId = env("BLVD_STAFF_ID");
const searchDate = env("BLVD_DATE"); // YYYY-MM-DD, location-local
const nowUnix = Number(env("BLVD_NOW_UNIX")); // the sandbox clock, for the client token
const timezone = "America/New_York";

// The known-client token recipe from the SDK's own integration test.
function clientToken(clientId) {
  const payload = `blvd-client-v1${businessId}${clientId}${nowUnix}`;
  const signature = createHmac("sha256", Buffer.from(secretKey, "base64")).update(payload).digest("base64");
  return `${signature}${payload}`;
}

async function errorCode(promise) {
  try {
    await promise;
    return null;
  } catch (err) {
    return err?.response?.errors?.[0]?.code ?? `no-code: ${err}`;
  }
}

async function main() {
  // The SDK accepts any base URL as target and appends /api/2020-01/<business>/client.
  const blvd = new Blvd(apiKey, businessId, target);
  const business = await blvd.businesses.get();
  const locations = await business.getLocations();
  const listed = await blvd.locations.list();
  const location = locations.find((l) => l.id === locationId);

  let cart = await blvd.carts.create(location, { timezone });
  const categories = await cart.getAvailableCategories();
  const item = categories.flatMap((c) => c.availableItems).find((i) => i.id === serviceId);
  const staffVariants = await item.getStaffVariants();
  const staffVariant = staffVariants.find((v) => v.staff.id === staffId);
  cart = await cart.addBookableItem(item, { staffVariant });
  const selected = await cart.getSelectedItems();

  const dates = await cart.getBookableDates({ searchRangeLower: searchDate, searchRangeUpper: searchDate, timezone });
  const times = await cart.getBookableTimes(dates[0], { timezone });
  cart = await cart.reserveBookableItems(times[0]);
  const reservedErrors = cart.errors.map((e) => e.code);
  cart = await cart.update({
    clientInformation: { firstName: "Jane", lastName: "Doe", email: "jane.doe@example.com", phoneNumber: "+12125550111" },
  });
  const checkout = await cart.checkout();
  const appointmentId = checkout.appointments[0].appointmentId;
  const fromCart = await blvd.appointments.getFromCart(appointmentId, cart.id);

  // Anonymous access to an appointment needs the cart id: the SDK's own test expects this code.
  const anonymousCode = await errorCode(new Blvd(apiKey, businessId, target).appointments.get(appointmentId));

  // As the known client (signed token): list, reschedule to the day's last time, then cancel.
  const client = await blvd.clients.get({ token: clientToken(checkout.appointments[0].clientId) });
  const mine = await blvd.appointments.list();
  const appointment = await blvd.appointments.get(appointmentId);
  const rescheduleDates = await appointment.rescheduleAvailableDates(searchDate, searchDate);
  const rescheduleTimes = await appointment.rescheduleAvailableTimes(searchDate);
  const lastTime = rescheduleTimes[rescheduleTimes.length - 1];
  const moved = await appointment.reschedule({ id: lastTime.bookableTimeId }, false);
  const cancelled = await moved.cancel("changed plans");

  process.stdout.write(JSON.stringify({
    businessId: business.id,
    businessTz: business.tz,
    locationCount: locations.length,
    listedCount: listed.length,
    staffVariantCount: staffVariants.length,
    selectedStaff: selected[0].selectedStaffVariant?.staff?.id ?? null,
    dates: dates.map((d) => d.date),
    firstTime: times[0].startTime,
    firstTimeId: times[0].id,
    reservedErrors,
    cartStartTime: cart.startTime,
    expiresAt: cart.expiresAt,
    completedAt: checkout.cart.completedAt,
    appointmentId,
    clientId: checkout.appointments[0].clientId,
    fromCart: { id: fromCart.id, state: fromCart.state, startAt: fromCart.startAt,
      staff: fromCart.appointmentServices[0].staff.id },
    anonymousCode,
    knownClient: client.id,
    myAppointmentIds: mine.map((a) => a.id),
    reschedulable: appointment.reschedulable,
    rescheduleDates: rescheduleDates.map((d) => d.date),
    rescheduleTimeIds: rescheduleTimes.map((t) => t.bookableTimeId),
    rescheduleTarget: lastTime,
    movedStartAt: moved.startAt,
    cancelledState: cancelled.state,
    cancellationReason: cancelled.cancellation?.reason ?? null,
  }));
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n${JSON.stringify(err?.response ?? null)}\n`);
  process.exit(1);
});
