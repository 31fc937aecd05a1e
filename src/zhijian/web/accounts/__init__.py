"""Units (the procuratorate tree), the facilities each supervises, users and their roles,
time-limited grants, and the access helpers every page goes through."""
