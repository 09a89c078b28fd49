// The example domain's data types (schemas/rides, schemas/payments), for typed tests.

export interface Location {
  lat: number;
  lon: number;
  address: string | null;
}
export interface Ride {
  rideId: string;
  riderId: string;
  driverId: string | null;
  status: 'REQUESTED' | 'ACCEPTED' | 'COMPLETED' | 'CANCELLED' | 'UNKNOWN';
  pickup: Location;
  dropoff: Location;
  requestedAt: number;
  acceptedAt: number | null;
  completedAt: number | null;
  distanceKm: number | null;
  fareCents: number | null;
  currency: string;
}
export interface PaymentSettled {
  paymentId: string;
  rideId: string;
  amountCents: number;
  currency: string;
  settledAt: number;
}
export type AcmeTypes = {
  'com.acme.rides.ride.requested': Ride;
  'com.acme.rides.ride.accepted': Ride;
  'com.acme.rides.ride.completed': Ride;
  'com.acme.payments.payment.settled': PaymentSettled;
};

/** A freshly requested ride, as rides-service would publish it. */
export const requested = (rideId: string): Ride => ({
  rideId,
  riderId: 'rider-7',
  driverId: null,
  status: 'REQUESTED',
  pickup: { lat: 52.52, lon: 13.405, address: null },
  dropoff: { lat: 52.5, lon: 13.4, address: 'Alexanderplatz' },
  requestedAt: 1_790_000_000_000,
  acceptedAt: null,
  completedAt: null,
  distanceKm: null,
  fareCents: null,
  currency: 'EUR',
});
