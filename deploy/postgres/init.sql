-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d).
-- Each service owns its own database; none reads another's tables.
CREATE DATABASE cpr_notification_api;
CREATE DATABASE cpr_scheduler;
CREATE DATABASE cpr_dissemination;
