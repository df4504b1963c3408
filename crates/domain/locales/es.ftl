### Mensajes para el comprador, en español.
###
### Un mensaje por `status` y `status_detail` de Mercado Pago documentados: el id es
### `<status>-<status_detail>`, tal como los escribe Mercado Pago (`approved-accredited`,
### `in_process-pending_contingency`). Sin detalle conocido, `status-<status>`; con un `status`
### desconocido, `status-unknown`.
###
### Los textos de tarjeta siguen la página "Resultados de creación de pagos" de Mercado Pago:
### https://www.mercadopago.com.mx/developers/es/docs/checkout-api/response-handling/collection-results
### Los detalles de la lista extendida no tienen texto sugerido; el nuestro sigue el mismo tono.
### Excepción (nuestra elección): los textos de `in_process` no prometen un e-mail, que esta tienda no
### envía; dicen lo que sí ocurre: la página del recibo (su dirección, `?order=`) muestra el resultado.
###
### Variables: $amount (el importe ya formateado, "$ 18.500,00"), $payment_method ("Visa"),
### $installments (un número: admite selectores de plural), $statement_descriptor (texto del
### resumen de la tarjeta), $brand (solo en payment-method-debit).
### Cada idioma tiene los mismos mensajes con las mismas variables (lo verifica un test).

## approved, authorized

approved-accredited = ¡Listo! Se acreditó tu pago. En tu resumen verás el cargo de { $amount } como { $statement_descriptor }.
approved-partially_refunded = Tu pago fue acreditado y tiene al menos una devolución parcial.
authorized-pending_capture = Tu pago fue autorizado y está pendiente de confirmación.

## in_process, pending

in_process-offline_process = Estamos procesando tu pago. Esta página te mostrará el resultado: guarda su dirección y vuelve cuando quieras.
in_process-pending_contingency = Estamos procesando tu pago. En menos de 2 días hábiles sabrás si se acreditó: esta página te lo mostrará (guarda su dirección).
in_process-pending_review_manual = Estamos revisando tu pago. En menos de 2 días hábiles sabrás si se acreditó: esta página te lo mostrará (guarda su dirección).
pending-pending_challenge = Tu banco necesita confirmar el pago. Sigue sus instrucciones para terminar.
pending-pending_waiting_payment = Estamos esperando tu pago.
pending-pending_waiting_transfer = Estamos esperando la transferencia.

## rejected

rejected-cc_rejected_bad_filled_card_number = Revisa el número de tarjeta.
rejected-cc_rejected_bad_filled_date = Revisa la fecha de vencimiento.
rejected-cc_rejected_bad_filled_other = Revisa los datos.
rejected-cc_rejected_bad_filled_security_code = Revisa el código de seguridad de la tarjeta.
rejected-cc_rejected_blacklist = No pudimos procesar tu pago.
rejected-cc_rejected_call_for_authorize = Debes autorizar ante { $payment_method } el pago de { $amount }.
rejected-cc_rejected_card_disabled = Llama a { $payment_method } para activar tu tarjeta o usa otro medio de pago. El teléfono está al dorso de tu tarjeta.
rejected-cc_rejected_card_error = No pudimos procesar tu pago.
rejected-cc_rejected_duplicated_payment = Ya hiciste un pago por ese valor. Si necesitas volver a pagar, usa otra tarjeta u otro medio de pago.
rejected-cc_rejected_high_risk = Tu pago fue rechazado. Elige otro de los medios de pago; te recomendamos medios en efectivo.
rejected-cc_rejected_insufficient_amount = Tu { $payment_method } no tiene fondos suficientes.
rejected-cc_rejected_invalid_installments = { $payment_method } no procesa pagos en { $installments } cuotas.
rejected-cc_rejected_max_attempts = Llegaste al límite de intentos permitidos. Elige otra tarjeta u otro medio de pago.
rejected-cc_rejected_other_reason = { $payment_method } no procesó el pago.
rejected-cc_rejected_card_type_not_allowed = El pago fue rechazado porque tu tarjeta múltiple no tiene habilitada la función de crédito.
rejected-cc_rejected_3ds_challenge = No pudimos confirmar tu identidad con tu banco. Intenta de nuevo o usa otra tarjeta.
rejected-cc_rejected_3ds_mandatory = Tu banco exige una verificación adicional que no pudimos completar. Usa otra tarjeta.
rejected-cc_amount_rate_limit_exceeded = Superaste el límite de monto de tu medio de pago. Usa otra tarjeta u otro medio de pago.
rejected-rejected_insufficient_data = Faltan datos para procesar tu pago. Revisa los datos e intenta de nuevo.
rejected-rejected_by_bank = Tu banco rechazó el pago. Usa otra tarjeta u otro medio de pago.
rejected-rejected_by_regulations = El pago fue rechazado por regulaciones vigentes.
rejected-insufficient_amount = Tu medio de pago no tiene fondos suficientes.
rejected-bank_error = Hubo un error con tu banco. Intenta de nuevo más tarde o usa otra tarjeta.

## cancelled, refunded, charged_back

cancelled-expired = El pago venció sin completarse.
cancelled-by_collector = El comercio canceló el pago.
cancelled-by_payer = Cancelaste el pago.
refunded-refunded = Te devolvimos el pago de { $amount }.
refunded-by_admin = Mercado Pago te devolvió el pago de { $amount }.
charged_back-settled = El pago fue desconocido ante la tarjeta y se resolvió el contracargo.
charged_back-reimbursed = El pago fue desconocido ante la tarjeta y se reintegró.
charged_back-in_process = El pago fue desconocido ante la tarjeta y el contracargo está en revisión.

## Por status, cuando el detalle no tiene mensaje propio

status-approved = ¡Listo! Se acreditó tu pago.
status-authorized = Tu pago fue autorizado.
status-in_process = Estamos procesando tu pago.
status-pending = Estamos esperando la confirmación de tu pago.
status-in_mediation = Tu pago está en disputa.
status-rejected = No pudimos procesar tu pago. Usa otra tarjeta u otro medio de pago.
status-cancelled = El pago fue cancelado.
status-refunded = Te devolvimos el pago.
status-charged_back = El pago fue desconocido ante la tarjeta.
# Estados propios de la orden, antes de un pago o en su lugar.
status-created = Estamos procesando tu pago.
status-failed = { status-unknown }
# Un status que no conocemos.
status-unknown = No pudimos procesar tu pago. Revisa los datos e intenta de nuevo.

## Medios de pago

# Una tarjeta de débito: "Visa Débito".
payment-method-debit = { $brand } Débito

## The merchant's "order paid" notice (SNS e-mail subscriptions). The subject must stay ASCII.

notice-paid-subject = Pedido pagado { $order_number }
notice-paid-intro = { $store }: se pagó el pedido { $order_number }.
notice-paid-total = Total: { $amount }
notice-paid-payment = Pago de Mercado Pago: { $payment_id }
notice-paid-order = Id del pedido: { $order_id }
notice-paid-at = Pagado: { $paid_at }

notice-buyer-email = E-mail: { $value }
notice-buyer-name = Nombre: { $value }
notice-buyer-phone = Teléfono: { $value }
notice-buyer-address = Enviar a: { $value }

## The merchant's notices of what happens after payment. Subjects must stay ASCII.

notice-refunded-subject = Reembolso del pedido { $order_number }
notice-refunded-intro = { $store }: el pedido { $order_number } tiene { $refunded } reembolsados de { $amount }.
notice-cancelled-subject = Pago cancelado { $order_number }
notice-cancelled-intro = { $store }: se canceló el pago del pedido { $order_number }. No se cobrará: no lo envíes.
notice-charged_back-subject = Contracargo del pedido { $order_number }
notice-charged_back-intro = { $store }: el titular de la tarjeta desconoció el pago del pedido { $order_number } (contracargo). Revísalo en Mercado Pago.
