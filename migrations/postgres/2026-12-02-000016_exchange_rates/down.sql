DROP TABLE exchange_rates_revision;
DROP TABLE exchange_rates;
