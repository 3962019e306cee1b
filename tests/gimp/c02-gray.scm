; SPDX-License-Identifier: GPL-3.0-or-later
; C02 grayscale: a 128x128 Grayscale image with a gray style gives a gray
; layer; gray-looking RGB content with a gray style stays free of colour;
; gray content with a colour style still gives a gray layer.

(define (c02-camera)
  (let ((img (ns-load "odd/camera.png")))
    (gimp-image-scale img 128 128)
    img))

(define (c02-no-colour? layer)
  (ns-every 128 128 3
    (lambda (x y)
      (let ((p (ns-pixel layer x y)))
        (= (car p) (cadr p) (caddr p))))))

; Gray image, gray style.
(let* ((img (c02-camera))
       (src (ns-top img))
       (type (car (gimp-drawable-type src)))
       (before (ns-pixel src 64 64))
       (out (ns-run img src (ns-path "style/brick.png"))))
  (ns-check "c02 image is gray" (= (car (gimp-image-get-base-type img)) GRAY))
  (ns-check-layer "c02 gray/gray" out "Background (Neural Style)" 128 128
                  0 0 type)
  (ns-check "c02 gray/gray changed"
    (> (ns-max-diff (ns-pixel out 64 64) before) 2)
    (ns-pixel out 64 64) before)
  (ns-check "c02 gray/gray source untouched"
    (equal? (ns-pixel src 64 64) before))
  (gimp-image-delete img))

; Gray content in an RGB image, gray style: R = G = B everywhere.
(let* ((img (c02-camera))
       (src (ns-top img)))
  (gimp-image-convert-rgb img)
  (let ((out (ns-run img src (ns-path "style/brick.png"))))
    (ns-check-layer "c02 rgb/gray" out "Background (Neural Style)" 128 128
                    0 0 RGB-IMAGE)
    (ns-check "c02 rgb/gray no colour noise" (c02-no-colour? out)))
  (gimp-image-delete img))

; Gray image, colour style: still a gray layer.
(let* ((img (c02-camera))
       (src (ns-top img))
       (type (car (gimp-drawable-type src)))
       (out (ns-run img src (ns-path "style/starry_night.jpg"))))
  (ns-check-layer "c02 gray/colour" out "Background (Neural Style)" 128 128
                  0 0 type)
  (ns-check "c02 gray/colour layers" (= (ns-n-layers img) 2))
  (gimp-image-delete img))
