### Buyer messages, in English.
###
### Ids and variables are those of es.ftl (the reference; a test checks that every language has
### the same messages with the same variables). The card texts follow Mercado Pago's "Payment
### creation results" page:
### https://www.mercadopago.com.mx/developers/en/docs/checkout-api-payments/response-handling/collection-results
### Exception (our choice): the `in_process` texts promise no e-mail, which this store does not send;
### they say what does happen: the receipt page (its address, `?order=`) shows the result.

## approved, authorized

approved-accredited = Done! Your payment was credited. Your statement will show the { $amount } charge as { $statement_descriptor }.
approved-partially_refunded = Your payment was credited and has at least one partial refund.
authorized-pending_capture = Your payment was authorized and is waiting to be captured.

## in_process, pending

in_process-offline_process = We are processing your payment. This page will show the result: keep its address and come back any time.
in_process-pending_contingency = We are processing your payment. Within 2 business days you will know whether it was credited: this page will show it (keep its address).
in_process-pending_review_manual = We are reviewing your payment. Within 2 business days you will know whether it was credited: this page will show it (keep its address).
pending-pending_challenge = Your bank needs to confirm the payment. Follow its instructions to finish.
pending-pending_waiting_payment = We are waiting for your payment.
pending-pending_waiting_transfer = We are waiting for the transfer.

## rejected

rejected-cc_rejected_bad_filled_card_number = Check the card number.
rejected-cc_rejected_bad_filled_date = Check the expiration date.
rejected-cc_rejected_bad_filled_other = Check the data.
rejected-cc_rejected_bad_filled_security_code = Check the card security code.
rejected-cc_rejected_blacklist = Your payment couldn't be processed.
rejected-cc_rejected_call_for_authorize = Authorize the { $amount } payment to { $payment_method }.
rejected-cc_rejected_card_disabled = Call { $payment_method } to activate your card, or use a different payment method. The phone is on the back of your card.
rejected-cc_rejected_card_error = Your payment couldn't be processed.
rejected-cc_rejected_duplicated_payment = You have already made a payment for that value. If you need to pay again, use a different card or payment method.
rejected-cc_rejected_high_risk = Your payment was rejected. Select a different payment method; we recommend cash methods.
rejected-cc_rejected_insufficient_amount = Your { $payment_method } does not have enough funds.
rejected-cc_rejected_invalid_installments = { $payment_method } does not process payments in { $installments } installments.
rejected-cc_rejected_max_attempts = You reached the allowed attempt limit. Select a different card or payment method.
rejected-cc_rejected_other_reason = { $payment_method } did not process the payment.
rejected-cc_rejected_card_type_not_allowed = The payment was rejected because the credit function is not enabled on your multiple (debit and credit) card.
rejected-cc_rejected_3ds_challenge = We couldn't confirm your identity with your bank. Try again or use a different card.
rejected-cc_rejected_3ds_mandatory = Your bank requires an extra verification we couldn't complete. Use a different card.
rejected-cc_amount_rate_limit_exceeded = You exceeded the amount limit of your payment method. Use a different card or payment method.
rejected-rejected_insufficient_data = Some data is missing to process your payment. Check your data and try again.
rejected-rejected_by_bank = Your bank rejected the payment. Use a different card or payment method.
rejected-rejected_by_regulations = The payment was rejected due to regulations.
rejected-insufficient_amount = Your payment method does not have enough funds.
rejected-bank_error = There was an error with your bank. Try again later or use a different card.

## cancelled, refunded, charged_back

cancelled-expired = The payment expired before it was completed.
cancelled-by_collector = The store cancelled the payment.
cancelled-by_payer = You cancelled the payment.
refunded-refunded = Your { $amount } payment was refunded.
refunded-by_admin = Mercado Pago refunded your { $amount } payment.
charged_back-settled = The payment was disputed with the card issuer and the chargeback was settled.
charged_back-reimbursed = The payment was disputed with the card issuer and reimbursed.
charged_back-in_process = The payment was disputed with the card issuer and the chargeback is under review.

## By status, when the detail has no message of its own

status-approved = Done! Your payment was credited.
status-authorized = Your payment was authorized.
status-in_process = We are processing your payment.
status-pending = We are waiting for your payment to be confirmed.
status-in_mediation = Your payment is in dispute.
status-rejected = Your payment couldn't be processed. Use a different card or payment method.
status-cancelled = The payment was cancelled.
status-refunded = Your payment was refunded.
status-charged_back = The payment was disputed with the card issuer.
# Our own order states, before and instead of a payment.
status-created = We are processing your payment.
status-failed = { status-unknown }
# A status we do not know.
status-unknown = Your payment couldn't be processed. Check your data and try again.

## Payment methods

# A debit card: "Visa Debit".
payment-method-debit = { $brand } Debit

## The merchant's "order paid" notice (SNS e-mail subscriptions). The subject must stay ASCII.

notice-paid-subject = Order paid { $order_number }
notice-paid-intro = { $store }: order { $order_number } was paid.
notice-paid-total = Total: { $amount }
notice-paid-payment = Mercado Pago payment: { $payment_id }
notice-paid-order = Order id: { $order_id }
notice-paid-at = Paid at: { $paid_at }

notice-buyer-email = E-mail: { $value }
notice-buyer-name = Name: { $value }
notice-buyer-phone = Phone: { $value }
notice-buyer-address = Ship to: { $value }

## The merchant's notices of what happens after payment. Subjects must stay ASCII.

notice-refunded-subject = Refund for order { $order_number }
notice-refunded-intro = { $store }: order { $order_number } has { $refunded } refunded of { $amount }.
notice-cancelled-subject = Payment cancelled { $order_number }
notice-cancelled-intro = { $store }: the payment for order { $order_number } was cancelled. It will not be charged: do not ship it.
notice-charged_back-subject = Chargeback on order { $order_number }
notice-charged_back-intro = { $store }: the card holder disputed the payment for order { $order_number } (chargeback). Review it in Mercado Pago.
