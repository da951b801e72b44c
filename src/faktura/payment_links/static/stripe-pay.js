// The Stripe step of the hosted payment page: Stripe Elements takes the card (it never
// reaches Faktura), confirms the PaymentIntent Faktura started, and sends the payer back.
(function () {
  "use strict";
  const box = document.getElementById("stripe-pay");
  const stripe = Stripe(box.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const form = document.getElementById("stripe-form");
  const error = document.getElementById("error");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    const result = await stripe.confirmCardPayment(box.dataset.secret, {
      payment_method: { card: card },
    });
    if (result.error) {
      error.textContent = result.error.message;
      error.hidden = false;
      form.querySelector("button").disabled = false;
      return;
    }
    window.location.assign(box.dataset.back);
  });
})();
