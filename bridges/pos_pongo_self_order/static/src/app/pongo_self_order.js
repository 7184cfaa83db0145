/* Part of pos_pongo. License LGPL-3.0 or later. */
import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { SelfOrder } from "@pos_self_order/app/self_order_service";
import { SelfOrderRouter } from "@pos_self_order/app/self_order_router_service";
import { rpc } from "@web/core/network/rpc";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { effect } from "@web/core/utils/reactive";
import { batched } from "@web/core/utils/timing";
import { pongoVoucherPrices } from "@pos_pongo_self_order/app/pongo_voucher";

const ROUTE = "/pos-self-order/pongo";
// The longest a customer waits for Pongo: the POS's own read timeout (4 s) and
// Odoo's work around it. A late answer is dropped; the order never waits.
export const PONGO_WAIT_MS = 5000;
// The Pongo pass holds the customer id, which starts with "cust_".
export const PONGO_PASS_RE = /^cust_[A-Za-z0-9_-]{4,64}$/;

/** What the order and router models need to know of the screen's Pongo state. */
const pongoScreen = {
    ticket: null, // the identification's ticket, sent along with the order
    addingReward: false, // a reward line is being added: never merged
    shouldAsk: () => false, // the "Collect my points" step comes before the products
};

function emptyState() {
    return {
        customer: null, // {ticket, first_name, points, member, rewards, points_later, message}
        asked: false, // identified, or skipped, for this visit
        rewards: null, // last answer of the rewards route
        applied: {}, // owned reward id -> how it goes in the cart (apply answer)
        pending: null, // a free product waiting for its options: {reward, productId}
    };
}

patch(SelfOrder.prototype, {
    async setup(env, services) {
        // Before Odoo's own listener, which would look the pass up as a product.
        services.barcode.bus.addEventListener("barcode_scanned", (ev) => {
            const code = ev.detail.barcode;
            if (this.pongoEnabled && PONGO_PASS_RE.test(code || "")) {
                ev.stopImmediatePropagation();
                this.pongoOnPassScanned(code);
            }
        });
        await super.setup(...arguments);
        this.pongo = this.pongoRestore();
        pongoScreen.ticket = this.pongo.customer?.ticket || null;
        pongoScreen.shouldAsk = () =>
            this.pongoEnabled && !this.pongo.asked && !this.pongo.customer;
        effect(
            batched((orders) => {
                const order = [...orders.values()].find((o) => o.uuid === this.selectedOrderUuid);
                if (order && order.state === "draft") {
                    this.pongoSyncVoucher(order);
                }
            }),
            [this.data.records["pos.order"]],
        );
    },

    get pongoEnabled() {
        return Boolean(this.config.pongo_active && this.ordering);
    },

    get pongoIsKiosk() {
        return this.config.self_ordering_mode === "kiosk";
    },

    // ------------------------------------------------------------------
    // State: in memory on a kiosk, kept for the tab's life on a phone
    // ------------------------------------------------------------------
    get pongoStorageKey() {
        return `pos_pongo_self_order.${this.config.id}`;
    },

    pongoRestore() {
        const state = emptyState();
        if (!this.pongoIsKiosk) {
            try {
                const saved = JSON.parse(sessionStorage.getItem(this.pongoStorageKey));
                Object.assign(state, {
                    customer: saved?.customer || null,
                    asked: Boolean(saved?.asked),
                });
            } catch {
                // nothing kept
            }
        }
        return state;
    },

    pongoSave() {
        pongoScreen.ticket = this.pongo.customer?.ticket || null;
        if (!this.pongoIsKiosk) {
            sessionStorage.setItem(
                this.pongoStorageKey,
                JSON.stringify({ customer: this.pongo.customer, asked: this.pongo.asked }),
            );
        }
    },

    // ------------------------------------------------------------------
    // Server
    // ------------------------------------------------------------------
    /** Call a Pongo route of the screens; never raises, never waits too long. */
    async pongoCall(action, params = {}) {
        const slow = {
            status: "unavailable",
            message: _t("Pongo is slow to answer right now. You can order without your points."),
        };
        let timer;
        const deadline = new Promise((resolve) => {
            timer = setTimeout(() => resolve(slow), PONGO_WAIT_MS);
        });
        const call = rpc(`${ROUTE}/${action}`, {
            access_token: this.access_token,
            ...params,
        }).catch((error) => {
            console.warn(`Pongo: ${action} failed`, error);
            return {
                status: "unavailable",
                message: _t("Pongo can't be reached right now. You can order without your points."),
            };
        });
        try {
            return await Promise.race([call, deadline]);
        } finally {
            clearTimeout(timer);
        }
    },

    /** The answer of the identify or join route; the customer is kept when found. */
    pongoFound(answer) {
        if (answer.status === "found") {
            this.pongo.customer = {
                ticket: answer.ticket,
                first_name: answer.first_name || "",
                points: answer.points,
                member: answer.member,
                rewards: answer.rewards,
                points_later: Boolean(answer.points_later),
                message: answer.message || "",
            };
            this.pongo.asked = true;
            this.pongoSave();
        } else if (answer.status === "forgotten") {
            this.pongoForget({ silently: true });
        }
        return answer;
    },

    async pongoIdentify({ phone, code }) {
        return this.pongoFound(await this.pongoCall("identify", code ? { code } : { phone }));
    },

    async pongoJoin(values) {
        return this.pongoFound(await this.pongoCall("join", values));
    },

    async pongoOnPassScanned(code) {
        if (this.pongo.customer) {
            return;
        }
        const answer = await this.pongoIdentify({ code });
        if (answer.status === "found" && this.router.activeSlot !== "pongo") {
            this.notification.add(this.pongoGreeting, { type: "success" });
        } else if (answer.status !== "found" && this.router.activeSlot !== "pongo") {
            this.notification.add(answer.message || _t("This pass isn't known here."), {
                type: "warning",
            });
        }
        this.pongo.lastScan = answer;
    },

    get pongoGreeting() {
        const customer = this.pongo.customer;
        if (!customer) {
            return "";
        }
        return customer.first_name
            ? _t("Hello %(name)s! You have %(points)s points.", {
                  name: customer.first_name,
                  points: customer.points,
              })
            : _t("Hello! You have %(points)s points.", { points: customer.points });
    },

    /** "N points", in the customer's language. */
    pongoPoints(points) {
        return _t("%(points)s points", { points });
    },

    get pongoPaidMessage() {
        const name = this.pongo.customer?.first_name;
        return name
            ? _t("%(name)s, your Pongo points will be added once your order is paid.", { name })
            : _t("Your Pongo points will be added once your order is paid.");
    },

    get pongoFreeProductMessage() {
        return _t("%(reward)s: this product is free, the options you choose are charged.", {
            reward: this.pongo.pending?.reward.name,
        });
    },

    pongoSkip() {
        this.pongo.asked = true;
        this.pongoSave();
    },

    /** Forget the customer (kiosk reset, "not me"): the server frees their rewards. */
    pongoForget({ silently = false } = {}) {
        const ticket = this.pongo.customer?.ticket;
        if (ticket && !silently) {
            this.pongoCall("forget", { ticket });
        }
        const order = this.models["pos.order"].getBy("uuid", this.selectedOrderUuid);
        if (order?.state === "draft") {
            for (const line of order.lines.filter((l) => l.pongo_reward_id)) {
                line.delete();
            }
            order.uiState.pongoVoucherId = null;
        }
        Object.assign(this.pongo, emptyState());
        this.pongoSave();
    },

    async pongoLoadRewards() {
        const ticket = this.pongo.customer?.ticket;
        if (!ticket) {
            return { status: "forgotten" };
        }
        const answer = this.pongoFound(await this.pongoCall("rewards", { ticket }));
        if (answer.status === "ok") {
            this.pongo.rewards = answer;
            this.pongo.customer.points = answer.points;
            this.pongoSave();
        }
        return answer;
    },

    async pongoBuy(reward) {
        const ticket = this.pongo.customer?.ticket;
        return this.pongoFound(await this.pongoCall("buy", { ticket, reward_id: reward.id }));
    },

    /** Lock an owned reward for this order; its answer says how it goes in the cart. */
    async pongoApply(owned) {
        const ticket = this.pongo.customer?.ticket;
        const answer = this.pongoFound(
            await this.pongoCall("apply", { ticket, owned_id: owned.id }),
        );
        if (answer.status !== "ok") {
            return answer;
        }
        this.pongo.applied[answer.id] = answer;
        if (answer.apply === "voucher") {
            this.models.loadData({ "product.product": [answer.product] });
            const order = this.currentOrder;
            order.uiState.pongoVoucherId = answer.id;
            this.pongoSyncVoucher(order);
            this.notification.add(
                _t("%(reward)s will be taken off your order.", { reward: answer.name }),
                { type: "success" },
            );
        }
        return answer;
    },

    /** Unlock a reward the customer took out of the cart. */
    pongoRemove(ownedId) {
        const ticket = this.pongo.customer?.ticket;
        delete this.pongo.applied[ownedId];
        this.pongoSave();
        if (ticket) {
            this.pongoCall("remove", { ticket, owned_id: ownedId });
        }
    },

    /** A voucher's line shows the voucher's name, a free product its own. */
    pongoLineName(line) {
        const reward = line.pongo_reward_id && this.pongo?.applied[line.pongo_reward_id];
        return reward?.apply === "voucher" ? line.pongo_reward_name : line.product_id.display_name;
    },

    /** Is this owned reward in the current order? */
    pongoInOrder(ownedId) {
        const order = this.currentOrder;
        return (
            order.uiState.pongoVoucherId === ownedId ||
            order.lines.some((line) => line.pongo_reward_id === ownedId)
        );
    },

    // ------------------------------------------------------------------
    // Free products
    // ------------------------------------------------------------------
    /** Add the free product of ``reward``; a product with options opens its page
     * first (the options the customer picks stay paid). */
    async pongoAddFreeProduct(reward, product) {
        this.pongo.pending = { reward, productId: product.id };
        this.router.navigate("product_list");
        if (product.isConfigurable()) {
            // Its page goes back to the products once the options are chosen.
            this.router.navigate("product", { id: product.id });
            return false;
        }
        return await this.addToCart(product, 1);
    },

    async addToCart(product, qty, customerNote, selectedValues = {}, customValues = {}) {
        const pending = this.pongo?.pending;
        if (!pending || pending.productId !== product.id) {
            return super.addToCart(...arguments);
        }
        this.pongo.pending = null;
        const order = this.currentOrder;
        const before = new Set(order.lines.map((line) => line.uuid));
        pongoScreen.addingReward = true;
        try {
            await super.addToCart(product, 1, customerNote, selectedValues, customValues);
        } finally {
            pongoScreen.addingReward = false;
        }
        const line = order.lines.find((l) => !before.has(l.uuid));
        if (line) {
            line.update({
                pongo_reward_id: pending.reward.id,
                pongo_reward_name: pending.reward.name,
                price_type: "manual",
            });
            // The product is free; its options are not.
            line.set_unit_price(line.price_extra || 0);
            this.notification.add(
                _t("%(reward)s is in your order.", { reward: pending.reward.name }),
                { type: "success" },
            );
        }
        return line;
    },

    // ------------------------------------------------------------------
    // Vouchers: discount lines kept in step with the order
    // ------------------------------------------------------------------
    pongoSyncVoucher(order) {
        const voucherId = order.uiState.pongoVoucherId;
        const voucher = voucherId && this.pongo?.applied[voucherId];
        const own = order.lines.filter(
            (line) => line.pongo_reward_id && line.pongo_reward_id === voucherId,
        );
        const wanted = voucher
            ? pongoVoucherPrices(
                  order.lines.filter((line) => line.pongo_reward_id !== voucherId),
                  voucher,
                  this.models["decimal.precision"].find((dp) => dp.name === "Product Price").digits,
              )
            : new Map();
        const product = voucher && this.models["product.product"].get(voucher.product.id);
        for (const line of own) {
            const key = line.tax_ids
                .map((tax) => tax.id)
                .sort((a, b) => a - b)
                .join(",");
            const target = wanted.get(key);
            if (!target) {
                line.delete();
                continue;
            }
            wanted.delete(key);
            if (line.price_unit !== target.price) {
                line.set_unit_price(target.price);
            }
        }
        for (const { taxes, price } of wanted.values()) {
            const line = this.models["pos.order.line"].create({
                order_id: order,
                product_id: product,
                tax_ids: taxes.map((tax) => ["link", tax]),
                qty: 1,
                price_unit: price,
                price_extra: 0,
                price_type: "manual",
                pongo_reward_id: voucher.id,
                pongo_reward_name: voucher.name,
            });
            line.full_product_name = voucher.name;
            line.setDirty();
        }
    },

    /** A reward taken out of the cart (a voucher: all its lines) is unlocked. */
    removeLine(line) {
        const order = line.order_id;
        const rewardId = line.pongo_reward_id;
        const voucher = rewardId && rewardId === order.uiState.pongoVoucherId;
        if (voucher) {
            order.uiState.pongoVoucherId = null;
            for (const other of order.lines.filter(
                (l) => l !== line && l.pongo_reward_id === rewardId,
            )) {
                other.delete();
            }
        }
        const result = super.removeLine(...arguments);
        if (rewardId && !order.lines.some((l) => l.pongo_reward_id === rewardId)) {
            this.pongoRemove(rewardId);
        }
        return result;
    },
});

patch(PosOrder.prototype, {
    serialize(options = {}) {
        const data = super.serialize(...arguments);
        if (options.orm && pongoScreen.ticket) {
            data.pongo_ticket = pongoScreen.ticket;
        }
        return data;
    },
});

patch(PosOrderline.prototype, {
    can_be_merged_with(orderline) {
        if (pongoScreen.addingReward || this.pongo_reward_id || orderline.pongo_reward_id) {
            return false;
        }
        return super.can_be_merged_with(...arguments);
    },
});

patch(SelfOrderRouter.prototype, {
    /** The products come after the "Collect my points" step. */
    navigate(routeName, routeParams = {}) {
        if (routeName === "product_list" && pongoScreen.shouldAsk()) {
            routeName = "pongo";
        }
        return super.navigate(routeName, routeParams);
    },
});
