-- Removes the rates that this batch gives again: a rate is identified by its
-- date and currency pair.
DELETE FROM fx_rates USING stage_fx s
WHERE fx_rates.date = s.date
  AND fx_rates.currency = s.currency
  AND fx_rates."to" = s."to";
