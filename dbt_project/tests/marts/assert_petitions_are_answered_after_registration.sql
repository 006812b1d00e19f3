-- A petition is replied to and closed on or after the day it was registered, and a review
-- is requested after the reply. A row here has its dates out of order: a date read in the
-- wrong form, or a wrong export; its legal-deadline flags would be wrong.
select case_id, registered_on, replied_on, closed_on, review_requested_on
from {{ ref('fct_petitions') }}
where replied_on < registered_on
   or closed_on < registered_on
   or review_requested_on < replied_on
