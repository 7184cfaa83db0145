/* Part of pos_pongo. License LGPL-3.0 or later. */
import { Component } from "@odoo/owl";
import { useSelfOrder } from "@pos_self_order/app/self_order_service";
import { useService } from "@web/core/utils/hooks";

/** The identified customer while they order: first name and points, nothing else. */
export class PongoBanner extends Component {
    static template = "pos_pongo_self_order.PongoBanner";
    static props = {};

    setup() {
        this.selfOrder = useSelfOrder();
        this.router = useService("router");
    }

    get customer() {
        return this.selfOrder.pongo?.customer;
    }

    openRewards() {
        this.router.navigate("pongo_rewards");
    }

    identify() {
        this.router.navigate("pongo");
    }

    forget() {
        this.selfOrder.pongoForget();
    }
}
