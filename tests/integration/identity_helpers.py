"""Tests' way to a verified identity: the account holds the resident ID as if it had passed a
check (the binding rule itself is tested in test_identity and test_identity_binding)."""

from __future__ import annotations

from doorstep.domain import pii
from doorstep.domain.identity import birth_date_from_resident_id, mask_resident_id
from doorstep.store.db import Pool
from tests.conftest import TEST_DATA_KEY, TEST_INDEX_KEY


async def verify_identity(pool: Pool, citizen_id: int, resident_id: str) -> None:
    await pool.execute(
        """update citizens set resident_id_enc = $2, resident_id_index = $3,
                  resident_id_masked = $4, birth_date = coalesce(birth_date, $5),
                  identity_verified_at = now(), identity_method = 'seed'
           where id = $1""",
        citizen_id,
        pii.encrypt(resident_id, TEST_DATA_KEY),
        pii.blind_index(resident_id, TEST_INDEX_KEY),
        mask_resident_id(resident_id),
        birth_date_from_resident_id(resident_id),
    )


async def verify_phone(pool: Pool, phone: str, resident_id: str) -> int:
    """The citizen of this phone, verified for this ID: their id."""
    citizen_id: int = await pool.fetchval("select id from citizens where phone = $1", phone)
    await verify_identity(pool, citizen_id, resident_id)
    return citizen_id


# the second factor every staff member of the tests' database uses (base32, as pyotp makes)
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def staff_totp_code(pool: Pool, phone: str) -> str:
    """A good TOTP code for this staff member now: enrols them with the tests' secret (or puts
    it back) and forgets the last step used, so each log-in of a test may use a code."""
    import pyotp

    from doorstep.services.staff_totp import PURPOSE

    await pool.execute(
        """insert into staff_totp (staff_id, secret_enc)
           select id, $2 from staff_members where phone = $1
           on conflict (staff_id) do update set secret_enc = excluded.secret_enc, last_step = 0""",
        phone,
        pii.encrypt(TEST_TOTP_SECRET, TEST_DATA_KEY, purpose=PURPOSE),
    )
    return str(pyotp.TOTP(TEST_TOTP_SECRET).now())
