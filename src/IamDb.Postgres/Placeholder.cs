namespace IamDb.Postgres;
