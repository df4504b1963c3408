### Mensagens para o comprador, em português.
###
### Os ids e as variáveis são os de es.ftl (a referência; um teste verifica que todos os idiomas
### têm as mesmas mensagens com as mesmas variáveis). Os textos de cartão seguem a página
### "Resultados da criação de pagamentos" do Mercado Pago:
### https://www.mercadopago.com.br/developers/pt/docs/checkout-api/response-handling/query-results
### Exceção (nossa escolha): os textos de `in_process` não prometem um e-mail, que esta loja não envia;
### dizem o que de fato ocorre: a página do recibo (seu endereço, `?order=`) mostra o resultado.

## approved, authorized

approved-accredited = Pronto, seu pagamento foi aprovado! Na fatura, você verá a cobrança de { $amount } como { $statement_descriptor }.
approved-partially_refunded = Seu pagamento foi aprovado e tem pelo menos um reembolso parcial.
authorized-pending_capture = Seu pagamento foi autorizado e aguarda confirmação.

## in_process, pending

in_process-offline_process = Estamos processando seu pagamento. Esta página mostrará o resultado: guarde o endereço e volte quando quiser.
in_process-pending_contingency = Estamos processando seu pagamento. Em menos de 2 dias úteis você saberá se foi aprovado: esta página mostrará (guarde o endereço).
in_process-pending_review_manual = Estamos revisando seu pagamento. Em menos de 2 dias úteis você saberá se foi aprovado: esta página mostrará (guarde o endereço).
pending-pending_challenge = Seu banco precisa confirmar o pagamento. Siga as instruções dele para concluir.
pending-pending_waiting_payment = Estamos aguardando seu pagamento.
pending-pending_waiting_transfer = Estamos aguardando a transferência.

## rejected

rejected-cc_rejected_bad_filled_card_number = Revise o número do cartão.
rejected-cc_rejected_bad_filled_date = Revise a data de vencimento.
rejected-cc_rejected_bad_filled_other = Revise os dados.
rejected-cc_rejected_bad_filled_security_code = Revise o código de segurança do cartão.
rejected-cc_rejected_blacklist = Não conseguimos processar seu pagamento.
rejected-cc_rejected_call_for_authorize = Você deve autorizar junto à { $payment_method } o pagamento de { $amount }.
rejected-cc_rejected_card_disabled = Ligue para a { $payment_method } para ativar seu cartão ou use outro meio de pagamento. O telefone está no verso do seu cartão.
rejected-cc_rejected_card_error = Não conseguimos processar seu pagamento.
rejected-cc_rejected_duplicated_payment = Você já fez um pagamento com esse valor. Se precisar pagar novamente, use outro cartão ou outro meio de pagamento.
rejected-cc_rejected_high_risk = Seu pagamento foi recusado. Escolha outro meio de pagamento; recomendamos meios em dinheiro.
rejected-cc_rejected_insufficient_amount = Seu { $payment_method } não tem saldo suficiente.
rejected-cc_rejected_invalid_installments = { $payment_method } não processa pagamentos em { $installments } parcelas.
rejected-cc_rejected_max_attempts = Você atingiu o limite de tentativas permitido. Escolha outro cartão ou outro meio de pagamento.
rejected-cc_rejected_other_reason = { $payment_method } não processou o pagamento.
rejected-cc_rejected_card_type_not_allowed = O pagamento foi recusado porque você não tem a função crédito habilitada no seu cartão múltiplo.
rejected-cc_rejected_3ds_challenge = Não conseguimos confirmar sua identidade com o banco. Tente novamente ou use outro cartão.
rejected-cc_rejected_3ds_mandatory = Seu banco exige uma verificação adicional que não conseguimos concluir. Use outro cartão.
rejected-cc_amount_rate_limit_exceeded = Você excedeu o limite de valor do seu meio de pagamento. Use outro cartão ou outro meio de pagamento.
rejected-rejected_insufficient_data = Faltam dados para processar seu pagamento. Revise os dados e tente novamente.
rejected-rejected_by_bank = Seu banco recusou o pagamento. Use outro cartão ou outro meio de pagamento.
rejected-rejected_by_regulations = O pagamento foi recusado por regulamentações vigentes.
rejected-insufficient_amount = Seu meio de pagamento não tem saldo suficiente.
rejected-bank_error = Houve um erro com seu banco. Tente novamente mais tarde ou use outro cartão.

## cancelled, refunded, charged_back

cancelled-expired = O pagamento expirou sem ser concluído.
cancelled-by_collector = A loja cancelou o pagamento.
cancelled-by_payer = Você cancelou o pagamento.
refunded-refunded = Devolvemos o pagamento de { $amount }.
refunded-by_admin = O Mercado Pago devolveu o pagamento de { $amount }.
charged_back-settled = O pagamento foi contestado no cartão e o estorno foi resolvido.
charged_back-reimbursed = O pagamento foi contestado no cartão e reembolsado.
charged_back-in_process = O pagamento foi contestado no cartão e o estorno está em análise.

## Por status, quando o detalhe não tem mensagem própria

status-approved = Pronto, seu pagamento foi aprovado!
status-authorized = Seu pagamento foi autorizado.
status-in_process = Estamos processando seu pagamento.
status-pending = Estamos aguardando a confirmação do seu pagamento.
status-in_mediation = Seu pagamento está em disputa.
status-rejected = Não conseguimos processar seu pagamento. Use outro cartão ou outro meio de pagamento.
status-cancelled = O pagamento foi cancelado.
status-refunded = Devolvemos o pagamento.
status-charged_back = O pagamento foi contestado no cartão.
# Estados próprios do pedido, antes de um pagamento ou no lugar dele.
status-created = Estamos processando seu pagamento.
status-failed = { status-unknown }
# Um status que não conhecemos.
status-unknown = Não conseguimos processar seu pagamento. Revise os dados e tente novamente.

## Meios de pagamento

# Um cartão de débito: "Visa Débito".
payment-method-debit = { $brand } Débito

## The merchant's "order paid" notice (SNS e-mail subscriptions). The subject must stay ASCII.

notice-paid-subject = Pedido pago { $order_number }
notice-paid-intro = { $store }: o pedido { $order_number } foi pago.
notice-paid-total = Total: { $amount }
notice-paid-payment = Pagamento do Mercado Pago: { $payment_id }
notice-paid-order = Id do pedido: { $order_id }
notice-paid-at = Pago em: { $paid_at }

notice-buyer-email = E-mail: { $value }
notice-buyer-name = Nome: { $value }
notice-buyer-phone = Telefone: { $value }
notice-buyer-address = Entregar em: { $value }

## The merchant's notices of what happens after payment. Subjects must stay ASCII.

notice-refunded-subject = Reembolso do pedido { $order_number }
notice-refunded-intro = { $store }: o pedido { $order_number } tem { $refunded } reembolsados de { $amount }.
notice-cancelled-subject = Pagamento cancelado { $order_number }
notice-cancelled-intro = { $store }: o pagamento do pedido { $order_number } foi cancelado. Não será cobrado: não o envie.
notice-charged_back-subject = Chargeback do pedido { $order_number }
notice-charged_back-intro = { $store }: o titular do cartão contestou o pagamento do pedido { $order_number } (chargeback). Veja no Mercado Pago.
