/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as CartPage from "@pos_self_order/../tests/tours/utils/cart_page_util";
import * as ConfirmationPage from "@pos_self_order/../tests/tours/utils/confirmation_page_util";
import * as ProductPage from "@pos_self_order/../tests/tours/utils/product_page_util";
import * as Utils from "@pos_self_order/../tests/tours/utils/common";
import * as Numpad from "@point_of_sale/../tests/tours/utils/numpad_util";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { screenshot } from "@pos_pongo/../tests/tours/utils/screenshot";

function startOrder() {
    return [
        Utils.checkIsNoBtn("My Order"),
        Utils.clickBtn("Order Now"),
        {
            content: "the Collect my Pongo points step comes first",
            trigger: ".o_pongo_page h1:contains('Collect my Pongo points')",
        },
    ];
}

function typeNumber(digits) {
    return [
        ...Numpad.enterValue(digits),
        {
            content: `the kiosk shows ${digits}`,
            trigger: `.o_pongo_phone:contains('${digits}')`,
        },
    ];
}

function clickContinue() {
    return {
        content: "look the number up",
        trigger: ".o_pongo_identify:not([disabled])",
        run: "click",
    };
}

function welcome(text) {
    return {
        content: `the customer is greeted: ${text}`,
        trigger: `.o_pongo_greeting:contains('${text}')`,
    };
}

function openRewards() {
    return [
        {
            content: "open my rewards",
            trigger: ".o_pongo_open_rewards",
            run: "click",
        },
        {
            content: "the rewards are listed",
            trigger: ".o_pongo_rewards_page .o_pongo_owned",
        },
    ];
}

function useReward(name) {
    return {
        content: `use ${name}`,
        trigger: `.o_pongo_owned:has(.o_pongo_reward_name:contains('${name}')) .o_pongo_use`,
        run: "click",
    };
}

function startMyOrder() {
    return [
        { content: "start the order", trigger: ".o_pongo_start", run: "click" },
        { content: "the products are shown", trigger: ".product-list" },
    ];
}

function bannerShows(text) {
    return {
        content: `the banner shows ${text}`,
        trigger: `.o_pongo_banner:contains('${text}')`,
    };
}

function noPersonalData(...values) {
    return {
        content: `the screen shows none of ${values.join(", ")}`,
        trigger: "body",
        run: () => {
            const text = document.body.innerText.replace(/\s/g, "");
            for (const value of values) {
                if (text.includes(value.replace(/\s/g, ""))) {
                    throw new Error(`the screen shows ${value}`);
                }
            }
        },
    };
}

function cartLine(name, price) {
    return {
        content: `the cart has ${name} at ${price}`,
        trigger: `.product-card-item:has(strong:contains("${name}")) .line-price:contains("${price}")`,
    };
}

function rewardBadge(name) {
    return {
        content: `${name} is marked as a Pongo reward`,
        trigger: `.product-card-item:has(strong:contains("${name}")) .o_pongo_reward_line`,
    };
}

function total(amount) {
    return {
        content: `the order's total is ${amount}`,
        trigger: `.order-price p:contains('Total'):contains('${amount}')`,
    };
}

/**
 * The card terminal approves the payment. Its server side is the test's terminal;
 * the notification it sends the kiosk goes through the bus, which Odoo turns off
 * in tests: this step hands the kiosk that notification's content as Odoo's
 * PAYMENT_STATUS handler does.
 */
function terminalApproves() {
    return {
        content: "the card terminal approves the payment",
        trigger: ".payment-state-container",
        run: async () => {
            const selfOrder = window.posmodel;
            const order = selfOrder.models["pos.order"].find(
                (o) => typeof o.id === "number" && o.state === "draft",
            );
            for (let attempt = 0; attempt < 50; attempt++) {
                const data = await rpc("/pos-self-order/get-orders", {
                    access_token: selfOrder.access_token,
                    order_access_tokens: [
                        { access_token: order.access_token, write_date: "1970-01-01 00:00:00" },
                    ],
                });
                if (data["pos.order"]?.[0]?.state === "paid") {
                    selfOrder.models.loadData(data);
                    selfOrder.confirmationPage("order", "kiosk", order.access_token);
                    return;
                }
                await new Promise((resolve) => setTimeout(resolve, 200));
            }
            throw new Error("the terminal did not take the payment");
        },
    };
}

function scanPass(code) {
    return {
        content: "scan the Pongo pass",
        trigger: "body",
        run: () => window.posmodel.barcode.bus.trigger("barcode_scanned", { barcode: code }),
    };
}

// Emma: phone, buy a reward, two free products (one with a paid option), sent to
// the counter for payment.
registry.category("web_tour.tours").add("PongoKioskPhoneRewardsTour", {
    steps: () =>
        [
            ...startOrder(),
            ...typeNumber("0612345604"),
            screenshot("kiosk-collect-points"),
            clickContinue(),
            welcome("Hello Emma! You have 500 points."),
            noPersonalData("Petit", "0612345604", "emma@example.com"),
            screenshot("kiosk-welcome"),
            ...openRewards(),
            {
                content: "Café offert can be bought",
                trigger:
                    ".o_pongo_available.o_pongo_affordable:contains('Café offert') .o_pongo_get",
                run: "click",
            },
            {
                content: "buying asks first, with the balance after",
                trigger: ".o_pongo_confirm:contains('Café offert'):contains('450')",
            },
            {
                content: "confirm",
                trigger: ".o_pongo_confirm_buy",
                run: "click",
            },
            {
                content: "Café offert is now Emma's, 450 points left",
                trigger:
                    ".o_pongo_rewards_page:has(.o_pongo_points:contains('450')) .o_pongo_owned:contains('Café offert') .o_pongo_use",
            },
            screenshot("kiosk-rewards"),
            useReward("Viennoiserie offerte"),
            {
                content: "two products fit: the customer chooses",
                trigger: ".o_pongo_choose .o_pongo_choice:contains('Croissant')",
                run: "click",
            },
            bannerShows("450 points"),
            {
                content: "open my rewards again",
                trigger: ".o_pongo_banner .o_pongo_open_rewards",
                run: "click",
            },
            {
                content: "Viennoiserie offerte is in the order",
                trigger: ".o_pongo_owned:contains('Viennoiserie offerte') .o_pongo_in_order",
            },
            useReward("Café offert"),
            {
                content: "the espresso's options page says what is free",
                trigger: ".o_pongo_free_product:contains('Café offert')",
            },
            ...ProductPage.setupAttribute([{ name: "Milk", value: "Oat milk" }]),
            { content: "back to the products", trigger: ".product-list" },
            ProductPage.clickProduct("Menu du jour"),
            Utils.clickBtn("Order"),
            cartLine("Croissant", "0.00"),
            rewardBadge("Croissant"),
            cartLine("Espresso", "0.50"),
            rewardBadge("Espresso"),
            cartLine("Menu du jour", "12.00"),
            total("12.50"),
            screenshot("kiosk-cart"),
            Utils.clickBtn("Pay"),
            ConfirmationPage.isShown(),
            {
                content: "to be paid at the counter, the points once paid",
                trigger:
                    ".confirmation-page:contains('Pay at the cashier') .o_pongo_confirmation:contains('Emma, your Pongo points will be added once your order is paid.')",
            },
            screenshot("kiosk-confirmation"),
            Utils.clickBtn("Close"),
            Utils.checkIsNoBtn("My Order"),
        ].flat(),
});

// Emma: pass scanned, voucher, paid at the kiosk's card terminal.
registry.category("web_tour.tours").add("PongoKioskPassVoucherTour", {
    steps: () => {
        const code = new URLSearchParams(window.location.search).get("pongo_code");
        return [
            ...startOrder(),
            scanPass("cust_notapass42"),
            {
                content: "a pass this merchant does not know: one clear line",
                trigger: ".o_pongo_message:contains('This pass isn')",
            },
            scanPass(code),
            welcome("Hello Emma! You have 500 points."),
            ...openRewards(),
            useReward("Bon de 5 €"),
            bannerShows("Emma"),
            ProductPage.clickProduct("Menu du jour"),
            Utils.clickBtn("Order"),
            cartLine("Menu du jour", "12.00"),
            cartLine("Bon de 5 €", "5.00"),
            rewardBadge("Bon de 5 €"),
            total("7.00"),
            screenshot("kiosk-voucher"),
            Utils.clickBtn("Pay"),
            terminalApproves(),
            ConfirmationPage.isShown(),
            {
                content: "paid at the terminal",
                trigger: ".confirmation-page:not(:contains('Pay at the cashier'))",
            },
            Utils.clickBtn("Close"),
        ].flat();
    },
});

// A new number joins, with both answers given; paid at the kiosk's terminal.
registry.category("web_tour.tours").add("PongoKioskJoinTour", {
    steps: () =>
        [
            ...startOrder(),
            ...typeNumber("0612345699"),
            clickContinue(),
            {
                content: "an unknown number is offered to join",
                trigger: ".o_pongo_page h1:contains('Join Pongo')",
            },
            {
                content: "no answer is preselected",
                trigger: ".o_pongo_consent_email .o_pongo_no",
                run: () => {
                    if (document.querySelector(".o_pongo_consent .btn-primary")) {
                        throw new Error("a consent answer is preselected");
                    }
                },
            },
            {
                content: "so joining waits",
                trigger: ".o_pongo_join_button[disabled]",
            },
            {
                content: "first name",
                trigger: ".o_pongo_first_name",
                run: "edit Zoé",
            },
            {
                content: "SMS: yes",
                trigger: ".o_pongo_consent_sms .o_pongo_yes",
                run: "click",
            },
            {
                content: "one answer is not enough",
                trigger: ".o_pongo_join_button[disabled]",
            },
            {
                content: "e-mail: no",
                trigger: ".o_pongo_consent_email .o_pongo_no",
                run: "click",
            },
            screenshot("kiosk-join"),
            {
                content: "join",
                trigger: ".o_pongo_join_button:not([disabled])",
                run: "click",
            },
            welcome("Hello Zoé! You have 0 points."),
            ...startMyOrder(),
            bannerShows("Zoé"),
            ProductPage.clickProduct("Croissant"),
            Utils.clickBtn("Order"),
            cartLine("Croissant", "1.20"),
            Utils.clickBtn("Pay"),
            terminalApproves(),
            ConfirmationPage.isShown(),
            Utils.clickBtn("Close"),
        ].flat(),
});

/** Emma types her number and takes her free croissant (Viennoiserie offerte). */
function emmaTakesAFreeCroissant() {
    return [
        ...startOrder(),
        ...typeNumber("0612345604"),
        clickContinue(),
        welcome("Emma"),
        ...openRewards(),
        useReward("Viennoiserie offerte"),
        {
            content: "the croissant",
            trigger: ".o_pongo_choose .o_pongo_choice:contains('Croissant')",
            run: "click",
        },
    ];
}

// Emma puts a reward in her cart, then starts over: nothing is kept.
registry.category("web_tour.tours").add("PongoKioskAbandonTour", {
    steps: () =>
        [
            ...emmaTakesAFreeCroissant(),
            bannerShows("Emma"),
            ProductPage.clickProduct("Menu du jour"),
            ...ProductPage.clickCancel(),
            {
                content: "back on the welcome screen",
                trigger: ".o_pos_landing_footer",
            },
            Utils.clickBtn("Order Now"),
            {
                content: "the kiosk forgot Emma: it asks again",
                trigger: ".o_pongo_page h1:contains('Collect my Pongo points')",
            },
            {
                content: "skip",
                trigger: ".o_pongo_skip",
                run: "click",
            },
            {
                content: "no customer on the products page",
                trigger: ".product-list",
                run: () => {
                    if (document.querySelector(".o_pongo_banner_customer")) {
                        throw new Error("the kiosk still shows a customer");
                    }
                },
            },
        ].flat(),
});

// Emma takes a free croissant, then takes it out of the cart: it is unlocked at
// once, and can be used again.
registry.category("web_tour.tours").add("PongoKioskRemoveRewardTour", {
    steps: () =>
        [
            ...emmaTakesAFreeCroissant(),
            ProductPage.clickProduct("Menu du jour"),
            Utils.clickBtn("Order"),
            cartLine("Croissant", "0.00"),
            CartPage.removeLine("Croissant"),
            cartLine("Menu du jour", "12.00"),
            total("12.00"),
            {
                content: "the croissant is out of the cart",
                trigger: ".product-list, .order-cart-content",
                run: () => {
                    if (
                        [...document.querySelectorAll(".product-card-item strong")].some((el) =>
                            el.textContent.includes("Croissant"),
                        )
                    ) {
                        throw new Error("the croissant is still in the cart");
                    }
                },
            },
            CartPage.clickBack(),
            ...openRewards(),
            {
                content: "Viennoiserie offerte can be used again",
                trigger:
                    ".o_pongo_owned:contains('Viennoiserie offerte'):not(:has(.o_pongo_in_order)) .o_pongo_use",
            },
        ].flat(),
});

// Pongo is down: one line, then an order without points.
registry.category("web_tour.tours").add("PongoKioskDownTour", {
    steps: () =>
        [
            ...startOrder(),
            ...typeNumber("0612345601"),
            clickContinue(),
            {
                content: "one line says why",
                trigger: ".o_pongo_message:contains(reached right now)",
            },
            {
                content: "order without points",
                trigger: ".o_pongo_skip",
                run: "click",
            },
            ProductPage.clickProduct("Croissant"),
            Utils.clickBtn("Order"),
            cartLine("Croissant", "1.20"),
            Utils.clickBtn("Pay"),
            ConfirmationPage.isShown(),
            Utils.clickBtn("Close"),
        ].flat(),
});

// Pongo is down: the customer keeps their number, answers both questions and is
// credited once Pongo is back. Paid at the terminal.
registry.category("web_tour.tours").add("PongoKioskKeepNumberTour", {
    steps: () =>
        [
            ...startOrder(),
            ...typeNumber("0612345699"),
            clickContinue(),
            {
                content: "keep my number for my points",
                trigger: ".o_pongo_keep_number",
                run: "click",
            },
            {
                content: "SMS: no",
                trigger: ".o_pongo_consent_sms .o_pongo_no",
                run: "click",
            },
            {
                content: "e-mail: yes",
                trigger: ".o_pongo_consent_email .o_pongo_yes",
                run: "click",
            },
            {
                content: "join",
                trigger: ".o_pongo_join_button:not([disabled])",
                run: "click",
            },
            {
                content: "one line: joined once Pongo is back",
                trigger: ".o_pongo_welcome .o_pongo_message:contains('as soon as it is back')",
            },
            ...startMyOrder(),
            ProductPage.clickProduct("Croissant"),
            Utils.clickBtn("Order"),
            Utils.clickBtn("Pay"),
            terminalApproves(),
            ConfirmationPage.isShown(),
            Utils.clickBtn("Close"),
        ].flat(),
});

// Lucas at table 7, from his phone: earns his points when the meal is paid.
registry.category("web_tour.tours").add("PongoMobileTableTour", {
    steps: () =>
        [
            Utils.clickBtn("Order Now"),
            {
                content: "the Collect my Pongo points step comes first",
                trigger: ".o_pongo_page h1:contains('Collect my Pongo points')",
            },
            {
                content: "type the number with the phone's keyboard",
                trigger: ".o_pongo_phone_input",
                run: "edit 06 12 34 56 03",
            },
            clickContinue(),
            welcome("Hello Lucas! You have 120 points."),
            {
                content: "phones earn points; rewards are used at the counter",
                trigger:
                    ".o_pongo_welcome:contains('Your points will be added when your order is paid.')",
                run: () => {
                    if (document.querySelector(".o_pongo_open_rewards")) {
                        throw new Error("rewards offered on a phone");
                    }
                },
            },
            screenshot("mobile-welcome"),
            ...startMyOrder(),
            bannerShows("Lucas"),
            ProductPage.clickProduct("Croissant"),
            Utils.clickBtn("Order"),
            CartPage.checkProduct("Croissant", "1.20", "1"),
            Utils.clickBtn("Order"),
            ConfirmationPage.isShown(),
            Utils.clickBtn("Ok"),
        ].flat(),
});

// The kiosk in French: Emma types her number.
registry.category("web_tour.tours").add("PongoKioskFrenchTour", {
    steps: () =>
        [
            Utils.clickBtn("Commander maintenant"),
            {
                content: "the step is in French",
                trigger: ".o_pongo_page h1:contains('Cumuler mes points Pongo')",
            },
            ...typeNumber("0612345604"),
            clickContinue(),
            welcome("Bonjour Emma ! Vous avez 500 points."),
            screenshot("kiosk-welcome-fr"),
        ].flat(),
});

// Pongo answers too slowly: the kiosk stops waiting after PONGO_WAIT_MS.
registry.category("web_tour.tours").add("PongoKioskSlowTour", {
    steps: () =>
        [
            ...startOrder(),
            ...typeNumber("0612345604"),
            {
                content: "look the number up, and time it",
                trigger: ".o_pongo_identify:not([disabled])",
                run: (helpers) => {
                    window.pongoAskedAt = Date.now();
                    helpers.click();
                },
            },
            {
                content: "one line says Pongo cannot answer now, within the POS's own wait",
                trigger: ".o_pongo_message:contains(You can order without your points)",
                run: () => {
                    const waited = Date.now() - window.pongoAskedAt;
                    if (waited > 6000) {
                        throw new Error(`the kiosk waited ${waited} ms for Pongo`);
                    }
                },
            },
            {
                content: "order without points",
                trigger: ".o_pongo_skip",
                run: "click",
            },
            // The order goes on (the test server, one request at a time, still
            // waits for Pongo: the tour stops at the cart).
            ProductPage.clickProduct("Croissant"),
            Utils.clickBtn("Order"),
            cartLine("Croissant", "1.20"),
        ].flat(),
});
