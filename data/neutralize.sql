-- A neutralized copy of the database must not talk to the production Pongo.
UPDATE res_company
   SET pongo_environment = 'sandbox',
       pongo_access_token = NULL,
       pongo_refresh_token = NULL,
       pongo_client_secret = NULL,
       pongo_webhook_secret = NULL,
       pongo_oauth_state = NULL;
UPDATE pongo_job SET state = 'cancelled' WHERE state = 'pending';
