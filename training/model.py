"""The detector: torchvision Faster R-CNN on a MobileNetV3-Large FPN (or ResNet-18 FPN) backbone, from scratch.

No pretrained weights can be downloaded, so every BatchNorm is a real (trainable) one. Anchors are made for
page layout: wide text lines and paragraphs to tall columns (torchvision aspect ratio = height / width).
"""
import torch
from torch import nn
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import _mobilenet_extractor, _resnet_fpn_extractor
from torchvision.models import mobilenet_v3_large, resnet18

NUM_CLASSES = 6  # background + Text, Title, List, Table, Figure
RATIOS = (0.1, 0.25, 0.5, 1.0, 2.0)


def build_model(arch="mobilenet", min_size=512, max_size=704, tiny=False):
    if arch == "mobilenet":
        body = mobilenet_v3_large(weights=None, norm_layer=nn.BatchNorm2d, width_mult=0.5 if tiny else 1.0)
        backbone = _mobilenet_extractor(body, True, 6)  # FPN over the last two stages (strides 16, 32) + pool
        sizes = ((16, 32, 64), (64, 128, 256), (256, 512, 768))
    elif arch == "resnet18":
        backbone = _resnet_fpn_extractor(resnet18(weights=None, norm_layer=nn.BatchNorm2d), 5)
        sizes = ((16,), (32,), (64,), (128,), (384,))
    else:
        raise ValueError(arch)
    anchors = AnchorGenerator(sizes, (RATIOS,) * len(sizes))
    return FasterRCNN(
        backbone,
        num_classes=None,
        box_predictor=FastRCNNPredictor(256, NUM_CLASSES),
        min_size=min_size,
        max_size=max_size,
        rpn_anchor_generator=anchors,
        rpn_pre_nms_top_n_train=1000,
        rpn_post_nms_top_n_train=300,
        rpn_pre_nms_top_n_test=500,
        rpn_post_nms_top_n_test=300,
        box_batch_size_per_image=128,
        box_head=TwoMLPHead(backbone.out_channels * 7 * 7, 256),
        box_detections_per_img=100,
        box_score_thresh=0.05,
    )


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    m = build_model(**ck["config"])
    m.load_state_dict(ck["model"])
    m.eval()
    return m, ck
