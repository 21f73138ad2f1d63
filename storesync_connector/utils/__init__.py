"""Pure helpers of the import core: no ORM, no HTTP (phone numbers, order line planning)."""
