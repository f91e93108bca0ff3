"""Portal pages of the webhooks: the channel's (manufacturer) and a partner admin's own."""

from django.urls import path

from . import views

app_name = "webhooks"


def _pages(prefix, side, name_prefix):
    side_kwargs = {"side": side}
    return [
        path(prefix, views.subscription_list, side_kwargs, name=name_prefix + "list"),
        path(f"{prefix}new/", views.subscription_new, side_kwargs, name=name_prefix + "new"),
        path(
            f"{prefix}<int:pk>/",
            views.subscription_detail,
            side_kwargs,
            name=name_prefix + "detail",
        ),
        path(
            f"{prefix}<int:pk>/rotate-secret/",
            views.subscription_rotate,
            side_kwargs,
            name=name_prefix + "rotate",
        ),
        path(
            f"{prefix}<int:pk>/test/",
            views.subscription_test,
            side_kwargs,
            name=name_prefix + "test",
        ),
        path(
            f"{prefix}<int:pk>/delete/",
            views.subscription_delete,
            side_kwargs,
            name=name_prefix + "delete",
        ),
        path(
            f"{prefix}deliveries/<int:pk>/send-again/",
            views.delivery_send_again,
            side_kwargs,
            name=name_prefix + "send-again",
        ),
    ]


urlpatterns = [
    *_pages("integrations/webhooks/", views.CHANNEL, ""),
    *_pages("my/webhooks/", views.PARTNER, "mine-"),
]
